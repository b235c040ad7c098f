// linkerd-control-plane-proxy: the proxies of the control plane's own pods are ready and run the
// control plane's version.
import type {V1Pod} from '../../kube/types.js'
import type {CheckContext} from '../context.js'
import {hasProxyContainer, isFinished, listProblems, proxyNotReady} from '../pods.js'
import {proxiesUpToDate} from '../proxy-health.js'
import {fail, pass, type Category, type CheckScope} from '../types.js'

async function controlPlaneProxies(ctx: CheckContext, scope: CheckScope): Promise<V1Pod[]> {
  const ns = ctx.settings.controlPlaneNamespace
  const pods = await scope.waitFor(`pods in ${ns}`, ctx.snapshot.pods(ns))
  return pods.filter((pod) => hasProxyContainer(pod) && !isFinished(pod))
}

export const controlPlaneProxy: Category<CheckContext> = {
  id: 'linkerd-control-plane-proxy',
  name: 'linkerd-control-plane-proxy',
  checks: [
    {
      id: 'proxies-healthy',
      description: 'control plane proxies are healthy',
      severity: 'error',
      retry: true,
      hint: 'l5d-cp-proxy-healthy',
      async run(ctx, scope) {
        const pods = await controlPlaneProxies(ctx, scope)
        if (pods.length === 0) return fail(`no pod in ${ctx.settings.controlPlaneNamespace} runs a linkerd-proxy container`)
        const problems = pods.map(proxyNotReady).filter((p): p is string => p !== undefined)
        return problems.length === 0 ? pass() : fail(listProblems('some control plane proxies are not ready:', problems))
      },
    },
    {
      id: 'proxies-version',
      description: 'control plane proxies are up-to-date',
      severity: 'warning',
      hint: 'l5d-cp-proxy-version',
      run: (ctx, scope) => proxiesUpToDate(ctx, scope, () => controlPlaneProxies(ctx, scope)),
    },
  ],
}
