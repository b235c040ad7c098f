import {Args, Flags, type Interfaces} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode, MeshError, UsageError, isMeshError} from '../errors.js'
import {functionConfigArgs, readResourceList, transformResourceList} from '../inject/krm.js'
import {applyManualFlags} from '../inject/manual/setup.js'
import {compactingProgress, writeProgress} from '../inject/memory.js'
import {buildInjectOptions} from '../inject/options.js'
import {runManifests, type Action} from '../inject/run.js'
import {PROXY_FLAGS} from '../mesh/inject-flags.js'
import {colorDiff} from '../output/diff.js'
import {parseDuration} from '../util/duration.js'

type FlagDefs = Record<string, Interfaces.OptionFlag<string | undefined> | Interfaces.BooleanFlag<boolean | string | undefined>>

/** The proxy flags, generated from the shared table in src/mesh/inject-flags.ts. */
function proxyFlagDefs(): FlagDefs {
  const defs: FlagDefs = {}
  for (const def of PROXY_FLAGS) {
    const common = {description: def.options ? `${def.description} (${def.options.join('|')})` : def.description, helpGroup: 'PROXY', hidden: def.hidden ?? false}
    defs[def.flag] =
      def.type === 'bool'
        ? Flags.boolean({...common, allowNo: def.baseline === 'true'})
        : Flags.string({...common, ...(def.char ? {char: def.char as 'v'} : {})})
  }
  return defs
}

export const manifestFlags = {
  output: Flags.option({char: 'o', description: 'Output format (default: the format of each input).', options: ['yaml', 'json'] as const})(),
  diff: Flags.boolean({default: false, description: 'Print a unified diff instead of the manifests; exit 0 no change, 1 changes, >1 error (like kubectl diff).', exclusive: ['check', 'in-place']}),
  check: Flags.boolean({default: false, description: 'Print the inputs that would change and exit 1 if any would (for CI and pre-commit).', exclusive: ['diff', 'in-place']}),
  'in-place': Flags.boolean({default: false, description: 'Rewrite the given files atomically instead of printing.', exclusive: ['diff', 'check']}),
  'pod-template-path': Flags.string({description: 'Pod template location of a custom kind, KIND=.path (repeatable; KIND may be group/Kind). Argo Rollouts are known already.', multiple: true}),
}

export function actionOf(flags: {diff: boolean; check: boolean; 'in-place': boolean}): Action {
  return flags.diff ? 'diff' : flags.check ? 'check' : flags['in-place'] ? 'in-place' : 'print'
}

const BATCH = 1 << 16

/** Writes stdout pieces in batches of about 64 KiB (never one string of the whole stream). */
export function writePieces(write: (text: string) => void, pieces: string[]): void {
  const progress = writeProgress()
  let batch: string[] = []
  let size = 0
  let written = 0
  for (const piece of pieces) {
    batch.push(piece)
    size += piece.length
    if (size >= BATCH) {
      write(batch.join(''))
      written += size
      progress(written)
      batch = []
      size = 0
    }
  }
  if (size > 0) write(batch.join(''))
}

/** --diff and --check report errors with an exit code above 1, as kubectl diff does. */
export function diffExit(error: unknown, action: Action): unknown {
  if ((action === 'diff' || action === 'check') && isMeshError(error) && error.exitCode === ExitCode.failed) {
    return new MeshError(error.message, {code: error.code, exitCode: ExitCode.usage, ...(error.hint ? {hint: error.hint} : {})})
  }
  return error
}

/** The kube client for --from-cluster, loaded lazily so plain inject never loads client-node. */
async function openKube(flags: {context?: string | undefined; kubeconfig?: string | undefined; 'request-timeout': string}) {
  const requestTimeoutMs = parseDuration(flags['request-timeout'])
  if (requestTimeoutMs === undefined || requestTimeoutMs <= 0) throw new UsageError(`invalid --request-timeout "${flags['request-timeout']}"`, {hint: 'use a duration such as 10s'})
  const {createKubeClient} = await import('../kube/index.js')
  return createKubeClient({context: flags.context, kubeconfig: flags.kubeconfig, requestTimeoutMs})
}

export default class Inject extends BaseCommand {
  static override summary = 'Add the Linkerd proxy to workloads in Kubernetes manifests, offline.'

  static override description = `Annotates the pod template of every Pod, Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job and CronJob (and Argo Rollouts or kinds named with --pod-template-path) with linkerd.io/inject: enabled, plus one config.linkerd.io/* annotation per proxy flag that differs from Linkerd's default, exactly as \`linkerd inject\` does; Namespaces get the annotation on themselves. The cluster's proxy injector adds the proxy when the pods are created. With --manual, meshport writes the proxy sidecar, linkerd-init and volumes itself, exactly as Linkerd's injector would, from the control plane's chart values (--values FILE or --from-cluster).

Documents inject does not change are copied byte for byte; changed documents keep their comments, key order, quoting and layout. Inputs: files, directories (recursive: .yml, .yaml, .json), http(s) URLs and - for stdin. The report (Linkerd's format) goes to stderr after the manifests. Details: docs/inject.md.`

  static override examples = [
    '<%= config.bin %> inject app.yml | kubectl apply -f -',
    '$ kubectl get deploy -n emojivoto -o yaml | <%= config.bin %> inject - | kubectl apply -f -',
    '<%= config.bin %> inject --proxy-cpu-request 100m --skip-outbound-ports 5432 k8s/',
    '<%= config.bin %> inject --diff k8s/',
    '<%= config.bin %> inject --check k8s/ || echo "manifests are not meshed"',
    '<%= config.bin %> inject --in-place k8s/deploy.yml',
    '$ kpt fn eval k8s/ --exec "<%= config.bin %> inject --krm" -- proxy-cpu-request=100m',
    '<%= config.bin %> inject --manual --values linkerd-values.yaml k8s/ > k8s-meshed.yaml',
    '<%= config.bin %> inject --manual --from-cluster deploy.yml | kubectl apply -f -',
  ]

  static override strict = false

  static override args = {
    input: Args.string({description: 'Manifest file, directory, http(s) URL, or - for stdin (several allowed).'}),
  }

  static override flags = {
    ...manifestFlags,
    ingress: Flags.boolean({description: 'Mark workloads as ingress controllers (linkerd.io/inject: ingress).', helpGroup: 'PROXY'}),
    registry: Flags.string({description: 'Docker registry for the proxy and debug images (env LINKERD_DOCKER_REGISTRY).', helpGroup: 'PROXY'}),
    'ignore-cluster': Flags.boolean({description: 'Accepted for compatibility: meshport inject never contacts a cluster.', hidden: true}),
    'disable-identity': Flags.boolean({description: 'No longer supported by Linkerd.', hidden: true}),
    // --manual: write the proxy sidecar itself (src/inject/manual/), from chart values.
    manual: Flags.boolean({description: "Write the full proxy sidecar, init container and volumes as Linkerd's injector would (needs the trust anchors: --values or --from-cluster).", helpGroup: 'MANUAL'}),
    values: Flags.string({description: "YAML file of the control plane's linkerd-control-plane chart values: the baseline, like linkerd-config (repeatable; later files win).", multiple: true, multipleNonGreedy: true, helpGroup: 'MANUAL'}),
    set: Flags.string({description: 'Change one chart value for this run, NAME=VALUE with the chart name (proxy.accessLog=apache); written as its config annotation where Linkerd has one (repeatable).', multiple: true, multipleNonGreedy: true, helpGroup: 'MANUAL'}),
    'from-cluster': Flags.boolean({description: "Read the baseline values from the cluster's linkerd-config ConfigMap in -L.", helpGroup: 'MANUAL'}),
    'linkerd-namespace': Flags.string({char: 'L', default: 'linkerd', description: 'Namespace of the Linkerd control plane (labels, addresses, --from-cluster).', helpGroup: 'MANUAL'}),
    kubeconfig: Flags.string({description: 'Path to the kubeconfig file (--from-cluster).', helpGroup: 'MANUAL'}),
    context: Flags.string({description: 'Name of the kubeconfig context to use (--from-cluster).', helpGroup: 'MANUAL'}),
    'request-timeout': Flags.string({default: '10s', description: 'Timeout of the --from-cluster API call (e.g. 5s).', helpGroup: 'MANUAL'}),
    ...proxyFlagDefs(),
    // --krm: be a KRM function (kustomize exec transformer, kpt fn eval); see src/inject/krm.ts.
    // A relationship, not `exclusive`: oclif's usage line folds --diff/--check/--in-place (exclusive
    // among themselves) into --krm's group and leaves empty alternatives (`|  |`) behind.
    krm: Flags.boolean({default: false, description: 'Run as a KRM function: read a config.kubernetes.io/v1 ResourceList on stdin and write one on stdout; inject flags come from its functionConfig (see docs/pipelines.md).', relationships: [{type: 'none', flags: ['diff', 'check', 'in-place', 'output']}]}),
  }

  async run(): Promise<void> {
    // With --krm the functionConfig's fields are parsed as if given on the command line.
    // (stdin is read first: oclif's parse would otherwise take it as the input argument.)
    const krm = this.argv.includes('--krm') ? await readResourceList() : undefined
    const {argv, flags} = await this.parse(Inject, krm ? [...this.argv, ...functionConfigArgs(krm.functionConfig, Inject.flags)] : this.argv)
    const args = argv as string[]
    const action = actionOf(flags)
    try {
      if (args.length === 0 && !krm) throw new UsageError('please specify a kubernetes resource file', {hint: 'pass a file, a directory, a URL, or - to read stdin'})
      const options = await applyManualFlags(flags, buildInjectOptions(flags), {version: this.config.version, openKube: () => openKube(flags)})
      // The periodic full collections are sized for annotate mode's output (about the input's size);
      // --manual writes ~15x more, and collecting that live output every few MB costs more than it saves.
      const outcome = krm ? transformResourceList(krm, 'inject', options) : await runManifests({op: 'inject', options, args, action, output: flags.output, verbose: flags.verbose, progress: options.mode === 'manual' ? undefined : compactingProgress})
      const pieces = typeof outcome.stdout === 'string' ? [outcome.stdout] : outcome.stdout
      // --diff in colour on a terminal, as git diff (--color decides; never in a pipe).
      writePieces((text) => this.out(text), action === 'diff' && this.useColor(flags.color) ? pieces.map(colorDiff) : pieces)
      if (outcome.stderr) this.err(outcome.stderr)
      process.exitCode = outcome.exitCode
    } catch (error) {
      throw diffExit(error, action)
    }
  }
}
