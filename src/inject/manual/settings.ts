// Builds the settings of one `inject --manual` run from its sources: the baseline chart values
// (chart defaults ← --values files, or the cluster's linkerd-config), this run's flags and
// --set values, and the CLI identity. Done once per run; every pod template reuses it.
import {UsageError} from '../../errors.js'
import {applyProxyFlags, type FlagValues} from '../../mesh/proxy-flags.js'
import {overrideAnnotations} from '../../mesh/proxy-overrides.js'
import {toInjectValues} from '../../mesh/proxy-values.js'
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
}

const TRUST_ANCHOR_HINT =
  'give the control plane\'s values with --values FILE (e.g. kubectl -n linkerd get configmap linkerd-config -o jsonpath="{.data.values}" > linkerd-values.yaml), or read them with --from-cluster'

export function manualConfig(sources: ManualSources): ManualConfig {
  const runValues = applyProxyFlags(sources.baseline, sources.flags)
  for (const argument of sources.set) {
    const {path, value} = parseSetArgument(argument)
    setValue(runValues, path, value)
  }
  const base = toInjectValues(sources.baseline)
  const values = toInjectValues(runValues)
  if (values.identityTrustAnchorsPEM.trim() === '') {
    throw new UsageError(`--manual needs the identity trust anchors (identityTrustAnchorsPEM), and ${sources.baselineSource} has none`, {hint: TRUST_ANCHOR_HINT})
  }
  return {
    values,
    controlPlaneNamespace: sources.controlPlaneNamespace,
    overrideAnnotations: overrideAnnotations(values, base),
    createdBy: sources.createdBy,
    enableDebugSidecar: sources.enableDebugSidecar,
    ...(sources.closeWaitTimeout ? {closeWaitTimeout: sources.closeWaitTimeout} : {}),
  }
}
