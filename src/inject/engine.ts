// The inject/uninject pipeline for one input: split into documents, transform each (uninject
// pass, checks, mode handler), and report. Pure: text in, text and reports out. Documents the
// transform leaves semantically unchanged are returned byte for byte.
import {InputError} from '../errors.js'
import {ANNOTATION} from '../mesh/names.js'
import './annotate.js'
import {injectAnnotations, writeAnnotations} from './annotate.js'
import {fatalReasons, inspectTemplate, type TemplateFindings} from './checks.js'
import {deepEqual, editorFor, readTree, valueOf, type TreeEditor} from './edit.js'
import {mayConflict, proxyPortConflicts} from './port-conflicts.js'
import type {ResourceReport} from './report.js'
import {splitInput, type Chunk} from './split.js'
import {getHandler, type InjectOptions, type Path, type WorkloadContext} from './types.js'
import {uninjectObject} from './uninject.js'
import {referencedWorkload, templatePathFor, templateReferencePath} from './workloads.js'
import {lookup, nodeAt, toJS, type TNode} from './tree.js'

export type Operation = 'inject' | 'uninject'

export interface DocumentResult {
  text: string
  /** The document's text in the input. */
  original: string
  changed: boolean
  /** False for chunks that are not documents (a final bare `---`). */
  isDoc: boolean
}

export interface InputResult {
  source: string
  json: boolean
  documents: DocumentResult[]
  reports: ResourceReport[]
  /** Linkerd's transform errors (`failed to inject deployment/web: ...`). */
  errors: string[]
  changed: boolean
}

type Obj = Record<string, unknown>

function asObj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined
}

/** Just the identity fields of metadata (converting labels and annotations would be wasted work). */
function identity(node: TNode | null | undefined): Obj {
  const out: Obj = {}
  if (node === null || node === undefined || node.type !== 'map') return out
  for (const key of ['name', 'generateName', 'namespace']) {
    const value = lookup(node, key)
    if (value !== undefined) out[key] = toJS(value)
  }
  return out
}

function nameOf(obj: Obj): string {
  const meta = asObj(obj.metadata) ?? {}
  const name = meta.name ?? meta.generateName
  return typeof name === 'string' ? name : typeof name === 'number' || typeof name === 'boolean' ? String(name) : ''
}

/** Called after each document with the number of input characters processed so far. */
export type Progress = (processed: number) => void

/** Where the transform's reports and errors go. */
export interface ReportSink {
  report(report: ResourceReport): void
  error(message: string): void
}

/** Receives the transform's results in input order, so callers keep only what they need. */
export interface TransformSink extends ReportSink {
  /** Every chunk of the input: its output text and, for changed documents, where it was. */
  chunk(chunk: Chunk, text: string, changed: boolean): void
}

/**
 * Transforms one input a chunk at a time: yields each chunk with its output text and whether it
 * changed; reports and errors go to `sink`. Returns whether the input is JSON. An input given in
 * parts (source.ts) is read as it goes (a list is emptied, so its parts can be freed).
 */
export function* transformChunks(source: string, text: string | Iterable<string>, op: Operation, options: InjectOptions, sink: ReportSink, progress?: Progress): Generator<[Chunk, string, boolean], {json: boolean}> {
  const {json, chunks} = splitInput(text)
  let docNumber = 0
  let processed = 0
  for (const chunk of chunks) {
    if (!chunk.isDoc) {
      yield [chunk, chunk.text, false]
      continue
    }
    docNumber++
    const doc = transformDocument(source, docNumber, chunk, op, options, json, sink)
    yield [chunk, doc.text, doc.changed]
    processed += chunk.text.length
    progress?.(processed)
  }
  return {json}
}

/** Transforms one input, streaming results into `sink`. Returns whether the input is JSON. */
export function transformStream(source: string, text: string | Iterable<string>, op: Operation, options: InjectOptions, sink: TransformSink, progress?: Progress): {json: boolean} {
  const chunks = transformChunks(source, text, op, options, sink, progress)
  for (;;) {
    const next = chunks.next()
    if (next.done) return next.value
    sink.chunk(...next.value)
  }
}

/** Transforms one input and collects every result (for small inputs, tests and the KRM function). */
export function transformInput(source: string, text: string, op: Operation, options: InjectOptions, progress?: Progress): InputResult {
  const result: InputResult = {source, json: false, documents: [], reports: [], errors: [], changed: false}
  const sink: TransformSink = {
    chunk(chunk, out, changed) {
      result.documents.push({text: out, original: chunk.text, changed, isDoc: chunk.isDoc})
      if (changed) result.changed = true
    },
    report: (r) => result.reports.push(r),
    error: (e) => result.errors.push(e),
  }
  result.json = transformStream(source, text, op, options, sink, progress).json
  return result
}

function parseError(source: string, docNumber: number, chunk: Chunk, error: unknown): InputError {
  const e = error as {message?: string; linePos?: Array<{line: number; col: number}>}
  const pos = e.linePos?.[0]
  const message = (e.message ?? String(error)).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return new InputError(
    {source, document: docNumber, ...(pos ? {line: chunk.line + pos.line, column: pos.col} : {})},
    message,
    {hint: 'fix the YAML or JSON syntax at that position; nothing was written'},
  )
}

function transformDocument(source: string, docNumber: number, chunk: Chunk, op: Operation, options: InjectOptions, json: boolean, result: ReportSink): {text: string; changed: boolean} {
  let parsed
  try {
    parsed = readTree(chunk.text)
  } catch (error) {
    throw parseError(source, docNumber, chunk, error)
  }
  const original = parsed.root
  const originalValue = (): unknown => valueOf(parsed)
  // Results keep only text: no parsed tree outlives its document (memory stays flat on huge streams).
  const unchanged = {text: chunk.text, changed: false}
  // Read only the top-level fields first: most documents need nothing more.
  const top = original?.type === 'map' ? original : undefined
  if (top === undefined) {
    result.report({kind: '', name: '', status: 'missing-kind', supported: false})
    return unchanged
  }
  const kindNode = lookup(top, 'kind')
  const kind = kindNode === undefined ? undefined : toJS(kindNode)
  if (typeof kind !== 'string' || kind === '') {
    result.report({kind: '', name: '', status: 'missing-kind', supported: false})
    return unchanged
  }
  const lower = kind.toLowerCase()
  const apiVersion = toJS(lookup(top, 'apiVersion'))
  const metadata = identity(nodeAt(top, ['metadata']))
  if (lower !== 'list' && lower !== 'namespace' && lower !== 'service' && templatePathFor(kind, apiVersion, options.podTemplatePaths) === undefined) {
    // Not a kind inject or uninject touches: report it from the tree, copy it verbatim.
    result.report({kind: lower, name: nameOf({metadata}), status: 'skipped', supported: false})
    return unchanged
  }
  const edit = editorFor(chunk.text, parsed)
  // Text without these words cannot hold anything the uninject pass removes or the checks flag:
  // such documents (the common case) skip both, and need no idempotence comparison.
  const suspicious = SUSPICIOUS.test(chunk.text)
  const state: DocState = {edit, options, op, result, suspicious, text: chunk.text}
  if (lower === 'list') {
    const items = edit.get(['items'])
    if (Array.isArray(items)) {
      items.forEach((item, i) => {
        const obj = asObj(item)
        const itemKind = obj?.kind
        if (obj === undefined || typeof itemKind !== 'string' || itemKind === '') {
          result.report({kind: '', name: '', status: 'missing-kind', supported: false})
          return
        }
        transformObject(state, ['items', i], obj, itemKind)
      })
    }
    // A List itself is not reported.
  } else {
    // Only the identity fields: converting the whole document to JS would cost more than the rest.
    const obj: Obj = {kind, apiVersion, metadata}
    transformObject(state, [], obj, kind)
  }
  if (!edit.changed) return unchanged
  // Semantically the same (re-inject with the same flags): keep the original bytes.
  if (suspicious && deepEqual(edit.get([]), originalValue())) return unchanged
  // JSON documents are spliced too (their flow maps take the new entries), so that uninject
  // gives the original bytes back; re-print with `-o json` for canonical JSON.
  return {text: edit.text, changed: true}
}

const SUSPICIOUS = /linkerd|istio|hostNetwork|UDP|automountServiceAccountToken|\\/

interface DocState {
  /** The text may hold Linkerd content or something the checks look for. */
  suspicious: boolean
  /** The document as it came in. */
  text: string
  edit: TreeEditor
  options: InjectOptions
  op: Operation
  result: ReportSink
}

/** A handler's view of one workload; the plain JS views are computed only when read. */
class Context implements WorkloadContext {
  private cachedWorkload: Obj | undefined
  private cachedTemplate: Obj | undefined

  constructor(
    readonly kind: string,
    readonly reportKind: string,
    readonly name: string,
    readonly namespace: string | undefined,
    readonly listIndex: number | undefined,
    readonly workloadPath: Path,
    readonly templatePath: Path,
    readonly options: InjectOptions,
    readonly edit: TreeEditor,
  ) {}

  get workload(): Record<string, unknown> {
    this.cachedWorkload ??= asObj(this.edit.get(this.workloadPath)) ?? {}
    return this.cachedWorkload
  }

  get template(): Record<string, unknown> {
    this.cachedTemplate ??= asObj(this.edit.get(this.templatePath)) ?? {}
    return this.cachedTemplate
  }
}

const NOTHING_FOUND: TemplateFindings = {hostNetwork: false, sidecar: false, injectDisabled: false, udp: false, automount: false, controlPlane: false}

function transformObject(state: DocState, base: Path, obj: Obj, kind: string): void {
  const {options, result} = state
  const reportKind = kind.toLowerCase()
  const name = nameOf(obj)
  const relTemplate = templatePathFor(kind, obj.apiVersion, options.podTemplatePaths)
  const templatePath = relTemplate === undefined ? undefined : [...base, ...relTemplate]
  const report: ResourceReport = {kind: reportKind, name, status: 'skipped', supported: false}
  // A Rollout with spec.workloadRef has no pod template of its own: one created here would make
  // Argo reject it. The referenced Deployment is the one to inject; the report says so.
  const refPath = relTemplate === undefined ? undefined : templateReferencePath(kind, obj.apiVersion)
  const ref = refPath === undefined ? undefined : referencedWorkload(state.edit.get([...base, ...refPath]))
  if (ref !== undefined) {
    report.templateFrom = ref
    result.report(report)
    return
  }
  // The report is complete only when the object is done: sinks read it once.
  try {
    transformWithReport(state, base, obj, kind, report, templatePath)
  } finally {
    result.report(report)
  }
}

function transformWithReport(state: DocState, base: Path, obj: Obj, kind: string, report: ResourceReport, templatePath: Path | undefined): void {
  const {edit, options, op, result, suspicious} = state
  const reportKind = report.kind
  const name = report.name
  const isNamespace = reportKind === 'namespace'
  const isService = reportKind === 'service'

  if (op === 'uninject') {
    if (templatePath === undefined && !isNamespace && !isService) return
    if (suspicious && uninjectObject(edit, base, templatePath)) report.status = 'uninjected'
    return
  }

  if (isNamespace) {
    if (suspicious) uninjectObject(edit, base, undefined)
    writeAnnotations(edit, [...base, 'metadata'], injectAnnotations(options))
    report.status = 'annotated'
    report.supported = true
    return
  }
  if (isService) {
    const opaque = options.overrides.find(([key]) => key === ANNOTATION.opaquePorts)
    if (opaque === undefined) return
    if (suspicious) uninjectObject(edit, base, undefined)
    writeAnnotations(edit, [...base, 'metadata'], [opaque])
    report.status = 'annotated'
    report.supported = true
    return
  }
  if (templatePath === undefined) return

  report.supported = true
  if (suspicious) uninjectObject(edit, base, templatePath)
  const findings = suspicious ? inspectTemplate(edit.get(templatePath), options.tokenProjection) : NOTHING_FOUND
  report.udp = findings.udp
  if (findings.controlPlane && options.mode !== 'manual') {
    result.error('--manual must be set when injecting control plane components')
    return
  }
  const reasons = fatalReasons(findings)
  if (reasons.length > 0) {
    result.error(`failed to inject ${reportKind}/${name}: ${reasons.join(', ')}`)
    return
  }
  if (findings.injectDisabled) {
    report.injectDisabled = true
    return
  }
  const handler = getHandler(options.mode)
  if (handler === undefined) throw new Error(`no inject handler registered for mode ${options.mode}`)
  const meta = asObj(obj.metadata) ?? {}
  const ctx = new Context(kind, reportKind, name, typeof meta.namespace === 'string' ? meta.namespace : undefined, typeof base[1] === 'number' ? base[1] : undefined, base, templatePath, options, edit)
  const outcome = handler.inject(ctx)
  if (outcome.kind === 'error') {
    result.error(`failed to inject ${reportKind}/${name}: ${outcome.reasons.join(', ')}`)
    return
  }
  report.status = 'injected'
  // Warned about, as `diagnose ports` does: the proxy would share a port with the application.
  if (mayConflict(state.text, options)) {
    const conflicts = proxyPortConflicts(edit.get(templatePath), options)
    if (conflicts.length > 0) report.portConflicts = conflicts
  }
}
