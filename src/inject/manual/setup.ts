// Wires `--manual`, `--values`, `--set` and `--from-cluster` into the engine's InjectOptions:
// loads the baseline chart values (files, cluster or defaults), and for --manual prepares the
// settings the manual handler renders from. The command calls this once, after building options.
import {UsageError} from '../../errors.js'
import type {KubeClient} from '../../kube/types.js'
import {ANNOTATION, CONFIG_PREFIXES} from '../../mesh/names.js'
import type {Annotations} from '../../mesh/proxy-overrides.js'
import {chartDefaults, loadValuesFile, mergeValues, type ChartValues} from '../../mesh/values.js'
import type {InjectOptions} from '../types.js'
import {clusterValues} from './cluster.js'
import './handler.js'
import {MANUAL_MODE} from './handler.js'
import {manualConfig, runValues} from './settings.js'

export interface ManualFlags {
  manual?: boolean | undefined
  values?: string[] | undefined
  set?: string[] | undefined
  'from-cluster'?: boolean | undefined
  'linkerd-namespace'?: string | undefined
  'enable-debug-sidecar'?: boolean | undefined
  [name: string]: unknown
}

export interface ManualDeps {
  /** meshport's version, for `linkerd.io/created-by: meshport/cli <version>`. */
  version: string
  /** Opens the kube client (only called with --from-cluster). */
  openKube?: () => Promise<Pick<KubeClient, 'getConfigMap' | 'listNamespaces' | 'close'>>
}

/** The baseline chart values: the cluster's linkerd-config, or the defaults merged with --values files. */
export interface Baseline {
  values: ChartValues
  source: string
  /** --from-cluster: the proxy settings annotated on each Namespace (inherited by its pods). */
  namespaceAnnotations?: ReadonlyMap<string, Annotations>
}

export async function loadBaseline(flags: ManualFlags, deps: ManualDeps): Promise<Baseline> {
  const files = flags.values ?? []
  const namespace = flags['linkerd-namespace'] ?? 'linkerd'
  if (flags['from-cluster']) {
    if (files.length > 0) throw new UsageError('--from-cluster and --values both give the baseline values', {hint: 'use one of them'})
    if (!deps.openKube) throw new UsageError('--from-cluster is not available in this build')
    const kube = await deps.openKube()
    try {
      const values = await clusterValues(kube, namespace)
      const namespaceAnnotations = new Map<string, Annotations>()
      for (const ns of await kube.listNamespaces()) {
        const annotations = Object.entries(ns.metadata?.annotations ?? {}).filter(([k]) => CONFIG_PREFIXES.some((prefix) => k.startsWith(prefix)) || k === ANNOTATION.inject)
        if (ns.metadata?.name && annotations.length > 0) namespaceAnnotations.set(ns.metadata.name, Object.fromEntries(annotations))
      }
      return {values, source: `configmap/linkerd-config in ${namespace}`, namespaceAnnotations}
    } finally {
      await kube.close()
    }
  }
  let values = chartDefaults()
  for (const file of files) values = mergeValues(values, loadValuesFile(file))
  return {values, source: files.length > 0 ? files.join(', ') : 'the chart defaults (no --values, no --from-cluster)'}
}

/** Completes the engine's options for the values flags and --manual. */
export async function applyManualFlags(given: ManualFlags, options: InjectOptions, deps: ManualDeps, env: NodeJS.ProcessEnv = process.env): Promise<InjectOptions> {
  // --registry defaults to $LINKERD_DOCKER_REGISTRY, as in Linkerd.
  const flags: ManualFlags = given.registry === undefined && env.LINKERD_DOCKER_REGISTRY ? {...given, registry: env.LINKERD_DOCKER_REGISTRY} : given
  const usesValues = flags.manual === true || (flags.values?.length ?? 0) > 0 || flags['from-cluster'] === true || (flags.set?.length ?? 0) > 0
  if (!usesValues) return options
  const baseline = await loadBaseline(flags, deps)
  if (!flags.manual) {
    // Annotate mode with a real baseline: the flags' (and --set's) annotations are those that
    // differ from it, as `linkerd inject` compares with the cluster's values.
    const run = runValues({baseline: baseline.values, baselineSource: baseline.source, flags, set: flags.set ?? [], flagAnnotations: options.overrides})
    const computed = new Map(Object.entries(run.overrideAnnotations))
    computed.delete(ANNOTATION.inject) // annotate mode writes it from --ingress itself
    const overrides: Array<readonly [string, string]> = []
    for (const [key] of options.overrides) {
      const value = computed.get(key)
      if (value !== undefined) overrides.push([key, value])
      computed.delete(key)
    }
    overrides.push(...computed)
    return {...options, overrides, tokenProjection: run.values.identity.serviceAccountTokenProjection}
  }
  const values = manualConfig({
    baseline: baseline.values,
    baselineSource: baseline.source,
    flags,
    set: flags.set ?? [],
    controlPlaneNamespace: flags['linkerd-namespace'] ?? 'linkerd',
    createdBy: `meshport/cli ${deps.version}`,
    enableDebugSidecar: flags['enable-debug-sidecar'] === true,
    flagAnnotations: options.overrides,
  })
  if (baseline.namespaceAnnotations) values.namespaceAnnotations = baseline.namespaceAnnotations
  return {...options, mode: MANUAL_MODE, tokenProjection: values.values.identity.serviceAccountTokenProjection, values}
}
