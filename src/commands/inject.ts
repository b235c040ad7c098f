import {Args, Flags, type Interfaces} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {functionConfigArgs, readResourceList, transformResourceList} from '../inject/krm.js'
import type {InjectOptions} from '../inject/types.js'
import {kubeOptions, openKube} from '../kube/connect.js'
import {manifestFlags} from '../manifest-flags.js'
import {runInject} from '../manifest-run.js'
import {PROXY_FLAGS} from '../mesh/inject-flags.js'

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
    const deps = {version: this.config.version, openKube: () => openKube(kubeOptions(flags)), krm: krm && ((options: InjectOptions) => transformResourceList(krm, 'inject', options))}
    await runInject(flags, argv as string[], deps, this.io())
  }
}
