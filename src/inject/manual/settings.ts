// Builds the settings of one `inject --manual` run from its sources: the baseline chart values
// (chart defaults ← --values files, or the cluster's linkerd-config), this run's flags and
// --set values, and the CLI identity. Done once per run; every pod template reuses it.
import {UsageError} from '../../errors.js'
import {ANNOTATION} from '../../mesh/names.js'
import {applyProxyFlags, type FlagValues} from '../../mesh/proxy-flags.js'
import {applyAnnotationOverrides, overrideAnnotations, type Annotations} from '../../mesh/proxy-overrides.js'
import {toInjectValues, type InjectValues} from '../../mesh/proxy-values.js'
import {parseSetArgument, setValue, type ChartValues} from '../../mesh/values.js'
import type {ManualConfig} from './pod-patch.js'

export interface ManualSources {
  /** Baseline: chart defaults merged with the --values files, or the cluster's values. */
  baseline: ChartValues
  /** Where the baseline came from, for error messages ("chart defaults", a file, linkerd-config). */
  baselineSource: string
  /** Flags the user set (Linkerd's proxy flags, by name without dashes). */
  flags: FlagValues
  /** `--set name=value` arguments, applied after the flags. */
  set: readonly string[]
  controlPlaneNamespace: string
  /** e.g. `meshport/cli 0.1.0`. */
  createdBy: string
  enableDebugSidecar: boolean
  /** `--close-wait-timeout` as Go prints a duration (`1m0s`). */
  closeWaitTimeout?: string | undefined
  /**
   * The annotations the engine's flag table wrote for this run (InjectOptions.overrides). Those of
   * settings Linkerd has a flag for are recomputed here against the real baseline; the others
   * (annotation-only settings such as --access-log) are written and applied as the injector would.
   */
  flagAnnotations?: ReadonlyArray<readonly [string, string]>
}

const TRUST_ANCHOR_HINT =
  'give the control plane\'s values with --values FILE (e.g. kubectl -n linkerd get configmap linkerd-config -o jsonpath="{.data.values}" > linkerd-values.yaml), or read them with --from-cluster'

// Settings `linkerd inject` has flags for: applyProxyFlags sets their values, and the baseline
// comparison (overrideAnnotations) writes their annotations.
const LINKERD_FLAG_ANNOTATIONS = new Set<string>([
  ANNOTATION.proxyImage, ANNOTATION.proxyVersion, ANNOTATION.imagePullPolicy, ANNOTATION.inboundPort, ANNOTATION.outboundPort,
  ANNOTATION.adminPort, ANNOTATION.controlPort, ANNOTATION.skipInboundPorts, ANNOTATION.skipOutboundPorts, ANNOTATION.opaquePorts,
  ANNOTATION.requireIdentityInboundPorts, ANNOTATION.uid, ANNOTATION.gid, ANNOTATION.logLevel, ANNOTATION.cpuRequest, ANNOTATION.cpuLimit,
  ANNOTATION.memoryRequest, ANNOTATION.memoryLimit, ANNOTATION.enableExternalProfiles, ANNOTATION.defaultInboundPolicy,
  ANNOTATION.nativeSidecar, ANNOTATION.waitBeforeExitSeconds, ANNOTATION.inject,
])

/** This run's values (baseline + flags + --set) and the annotations that describe them. */
export function runValues(sources: Omit<ManualSources, 'createdBy' | 'enableDebugSidecar' | 'controlPlaneNamespace'>): {values: InjectValues; overrideAnnotations: Annotations} {
  const run = applyProxyFlags(sources.baseline, sources.flags)
  for (const argument of sources.set) {
    const {path, value} = parseSetArgument(argument)
    setValue(run, path, value)
  }
  const base = toInjectValues(sources.baseline, sources.baselineSource)
  const values = toInjectValues(run, 'the flags and --set values')
  const overrides = overrideAnnotations(values, base)
  const extra: Annotations = {}
  for (const [key, value] of sources.flagAnnotations ?? []) if (!LINKERD_FLAG_ANNOTATIONS.has(key)) extra[key] = value
  applyAnnotationOverrides(values, extra, {}, new Map(), () => {})
  return {values, overrideAnnotations: {...overrides, ...extra}}
}

export function manualConfig(sources: ManualSources): ManualConfig {
  const {values, overrideAnnotations: overrides} = runValues(sources)
  if (values.identityTrustAnchorsPEM.trim() === '') {
    throw new UsageError(`--manual needs the identity trust anchors (identityTrustAnchorsPEM), and there are none in ${sources.baselineSource}`, {hint: TRUST_ANCHOR_HINT})
  }
  return {
    values,
    controlPlaneNamespace: sources.controlPlaneNamespace,
    overrideAnnotations: overrides,
    createdBy: sources.createdBy,
    enableDebugSidecar: sources.enableDebugSidecar,
    ...(sources.closeWaitTimeout ? {closeWaitTimeout: sources.closeWaitTimeout} : {}),
  }
}
