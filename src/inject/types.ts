// The inject engine's contract: reader -> per-document transform -> writer (kustomize kyaml style).
//
//   src/inject/source.ts   files, directories, URLs, stdin -> {source, parts} (parts.ts: the
//                          text in ~64 KiB parts; a large file read lazily, once per pass)
//   src/inject/split.ts    parts -> chunks (one per YAML document / JSON value), bytes kept
//   src/inject/scan.ts     fast block-YAML scanner -> light tree (tree.ts) with byte offsets;
//                          anything else goes through the yaml library (from-yaml.ts)
//   src/inject/engine.ts   per document: kind -> pod template path (workloads.ts), the silent
//                          uninject pass (uninject.ts), Linkerd's checks (checks.ts), then the
//                          mode handler registered here; reports (report.ts) and errors to a sink
//   src/inject/stream.ts   output pieces (fresh strings of a few hundred KB), report
//   src/inject/run.ts      print | --diff | --check | --in-place, exit codes; a huge file is
//                          transformed twice (report, then output as it is written)
//
// API for mode handlers (annotate.ts here; `--manual` registers its own in src/inject/manual/):
//
//   import {registerHandler, type PodTemplateHandler} from '../types.js'
//   registerHandler({
//     mode: 'manual',
//     inject(ctx) {             // once per pod-template workload, AFTER the silent uninject pass
//       ctx.kind, ctx.reportKind, ctx.name, ctx.namespace, ctx.listIndex
//       ctx.template            // plain JS of the pod template ({metadata, spec}) after uninject
//       ctx.workload            // plain JS of the whole workload (the List item for List items)
//       ctx.templatePath        // path of the pod template in the YAML document:
//                               // ['spec','template'], ['spec','jobTemplate','spec','template'],
//                               // [] for a Pod, ['items', 3, 'spec', 'template'] in a List
//       ctx.workloadPath        // [] or ['items', i]
//       ctx.edit                // TreeEditor (edit.ts) over the whole document; paths from its root:
//                               //   get(path)  set(path, value)  delete(path, prune)
//                               //   insert(seqPath, index | -1, values)
//                               // edits are text splices (comments, quoting, order kept), also in
//                               // documents with aliases (written out only where an edit needs it)
//       ctx.options             // InjectOptions below (overrides, ingress, flags, values, ...)
//       return {kind: 'injected'}  // or {kind: 'error', reasons: ['...']} -> "failed to inject k/n: ..."
//     },
//   })
//
// The engine picks the handler by `options.mode`. The checks Linkerd runs for every mode
// (hostNetwork, 3rd-party sidecar, inject disabled, UDP, automount, control-plane component
// without --manual) happen before the handler is called; Namespace and Service annotation are
// done by the engine for every mode. Re-injecting the same content gives the original bytes
// back (the engine compares values). The report (report.ts) is shared by all modes.
import type {TreeEditor} from './edit.js'

export type Path = ReadonlyArray<string | number>

/** What the command line asked for, already validated (src/mesh/inject-flags.ts builds it). */
export interface InjectOptions {
  /** Handler id: 'annotate' (default) or one a helper registered (e.g. 'manual'). */
  mode: string
  /**
   * Annotations produced by flags whose value differs from the baseline, in flag-table order,
   * e.g. [['config.linkerd.io/admin-port', '1234']]. `linkerd.io/inject` is not in here.
   */
  overrides: ReadonlyArray<readonly [string, string]>
  /** `--ingress`: pod templates get `linkerd.io/inject: ingress` instead of `enabled`. */
  ingress: boolean
  /**
   * Extra pod-template locations by kind: key is the lower-cased `kind` or `group/kind`
   * (`argoproj.io/rollout`), value the path to the pod template from the object root.
   */
  podTemplatePaths: ReadonlyMap<string, Path>
  /** Baseline `identity.serviceAccountTokenProjection` (automount=false is fatal when off). */
  tokenProjection: boolean
  /** Raw parsed flag values, for handlers that need more than the overrides. */
  flags: Readonly<Record<string, unknown>>
  /** Chart values for handlers that render the proxy (owned by the manual mode). */
  values?: unknown
}

export type HandlerOutcome = {kind: 'injected'} | {kind: 'error'; reasons: string[]}

export interface WorkloadContext {
  /** `kind` as written in the manifest. */
  readonly kind: string
  /** Lower-cased kind, as Linkerd reports it. */
  readonly reportKind: string
  /** metadata.name, falling back to metadata.generateName. */
  readonly name: string
  readonly namespace: string | undefined
  /** Index in `items` when the workload is a `kind: List` item. */
  readonly listIndex: number | undefined
  /** Path of the workload object inside the document ([] or ['items', i]). */
  readonly workloadPath: Path
  /** Path of the pod template (the object holding `metadata` and `spec`) inside the document. */
  readonly templatePath: Path
  /** Plain JS of the workload after the uninject pass. */
  readonly workload: Record<string, unknown>
  /** Plain JS of the pod template after the uninject pass. */
  readonly template: Record<string, unknown>
  readonly options: InjectOptions
  /** Text-splice editor of the whole document (paths are from the document root). */
  readonly edit: TreeEditor
}

export interface PodTemplateHandler {
  readonly mode: string
  inject(ctx: WorkloadContext): HandlerOutcome
}

const handlers = new Map<string, PodTemplateHandler>()

export function registerHandler(handler: PodTemplateHandler): void {
  handlers.set(handler.mode, handler)
}

export function getHandler(mode: string): PodTemplateHandler | undefined {
  return handlers.get(mode)
}
