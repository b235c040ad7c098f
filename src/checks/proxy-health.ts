// Linkerd's proxy checks for a set of pods (the control plane's, an extension's): "healthy" is
// running with a ready proxy that carries the current trust anchors (Linkerd's CheckProxyHealth),
// "up-to-date" runs the version the control plane expects (`proxy.image.version` when pinned).
import type {V1Pod} from '../kube/types.js'
import type {CheckContext} from './context.js'
import {expectedProxyVersion, linkerdValues, LINKERD_CONFIG} from './linkerd.js'
import {listProblems, proxyNotReady, staleProxies} from './pods.js'
import {STALE_ANCHORS, staleTrustAnchors} from './trust-anchors.js'
import {fail, pass, skip, type CheckScope, type Outcome} from './types.js'

export async function proxiesUpToDate(ctx: CheckContext, scope: CheckScope, pods: () => Promise<V1Pod[]>): Promise<Outcome> {
  const ns = ctx.settings.controlPlaneNamespace
  const expected = expectedProxyVersion(await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns)))
  if (!expected) return skip(`configmap/${LINKERD_CONFIG} does not record the control plane version`)
  const stale = staleProxies(await pods(), expected)
  return stale.length === 0 ? pass() : fail(listProblems(`some proxies are not running the current version ${expected}:`, stale))
}

/** `who` names the pods in the failure ("some multicluster proxies are not ready"). */
export async function proxiesHealthy(ctx: CheckContext, scope: CheckScope, pods: V1Pod[], who: string): Promise<Outcome> {
  const running = pods.filter((pod) => pod.status?.phase !== 'Succeeded')
  const problems = running.map(proxyNotReady).filter((p): p is string => p !== undefined)
  if (problems.length > 0) return fail(listProblems(`some ${who} proxies are not ready:`, problems))
  const stale = await staleTrustAnchors(ctx, scope, running)
  return stale.length === 0 ? pass() : fail(listProblems(STALE_ANCHORS, stale))
}
