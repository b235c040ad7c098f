// kubernetes-api: can meshport talk to the cluster at all? Fatal: nothing else can run without it.
import type {CheckContext} from '../context.js'
import {fail, pass, type Category} from '../types.js'

export const kubernetesApi: Category<CheckContext> = {
  id: 'kubernetes-api',
  name: 'kubernetes-api',
  checks: [
    {
      id: 'can-initialize-client',
      description: 'can initialize the client',
      severity: 'error',
      fatal: true,
      hint: 'k8s-api',
      async run(ctx) {
        let url: URL
        try {
          url = new URL(ctx.kube.server)
        } catch {
          return fail(`context ${ctx.kube.contextName} has an invalid server URL "${ctx.kube.server}"`)
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`context ${ctx.kube.contextName}: unsupported server URL scheme ${url.protocol}`)
        return pass()
      },
    },
    {
      id: 'can-query-api',
      description: 'can query the Kubernetes API',
      severity: 'error',
      fatal: true,
      hint: 'k8s-api',
      async run(ctx, scope) {
        await scope.waitFor(`GET ${ctx.kube.server}/version`, ctx.snapshot.version())
        return pass()
      },
    },
  ],
}
