// The report of a run that could not start (no usable cluster, a bad flag), so that `-o json` and
// `-o junit` still write a document with the failure where their readers look for failures: one
// failed check. Without a cluster that is Linkerd's own first check of the Kubernetes API.
import {ExitCode, type ErrorInfo} from '../errors.js'
import {KubeErrorCode} from '../kube/types.js'
import {kubernetesApi} from './categories/kubernetes-api.js'
import {fullId} from './select.js'
import {hintUrl, type CheckEntry, type CheckReport, type FailOn} from './types.js'

/** Failures of the kubeconfig itself: the client could not even be built. */
const CLIENT_CODES: ReadonlySet<string> = new Set([KubeErrorCode.noKubeconfig, KubeErrorCode.badKubeconfig, KubeErrorCode.unknownContext])

export function failedRunReport(failure: ErrorInfo, failOn: FailOn = 'error'): CheckReport {
  const error = failure.hint === undefined ? failure.message : `${failure.message}\n${failure.hint}`
  let category: {id: string; name: string}
  let entry: CheckEntry
  // An API server that accepted the first request and never answered it: the check timed out.
  const timedOut = failure.exitCode === ExitCode.incomplete
  if (failure.exitCode === ExitCode.noCluster || timedOut) {
    category = kubernetesApi
    const checkId = CLIENT_CODES.has(failure.code) ? 'can-initialize-client' : 'can-query-api'
    const check = kubernetesApi.checks.find((c) => c.id === checkId)
    const hint = hintUrl(check?.hint)
    entry = {id: fullId(category, {id: checkId}), description: check?.description ?? checkId, result: timedOut ? 'timeout' : 'error', error, ...(hint ? {hint} : {}), durationMs: 0}
  } else {
    category = {id: 'meshport-check', name: 'meshport check'}
    entry = {id: 'meshport-check.run', description: 'meshport check can run', result: 'error', error, durationMs: 0}
  }
  return {
    schemaVersion: 1,
    success: false,
    failOn,
    counts: {error: timedOut ? 0 : 1, skipped: 0, success: 0, timeout: timedOut ? 1 : 0, warning: 0},
    categories: [{id: category.id, name: category.name, checks: [entry]}],
    stats: {apiCalls: 0, listCalls: 0, durationMs: 0},
  }
}
