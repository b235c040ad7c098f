// kubernetes-version: the API server is at least the version the current Linkerd supports.
import type {CheckContext} from '../context.js'
import {compareVersions, MIN_KUBERNETES_VERSION, parseKubeVersion} from '../linkerd.js'
import {fail, pass, type Category} from '../types.js'

export const kubernetesVersion: Category<CheckContext> = {
  id: 'kubernetes-version',
  name: 'kubernetes-version',
  checks: [
    {
      id: 'minimum-version',
      description: 'is running the minimum Kubernetes API version',
      severity: 'error',
      hint: 'k8s-version',
      async run(ctx, scope) {
        const version = await scope.waitFor('GET /version', ctx.snapshot.version())
        const parsed = parseKubeVersion(version.gitVersion) ?? parseKubeVersion(`${version.major}.${version.minor.replace(/\D+$/, '')}`)
        if (!parsed) return fail(`cannot read the Kubernetes version from "${version.gitVersion}"`)
        if (compareVersions(parsed, MIN_KUBERNETES_VERSION) < 0) {
          return fail(`Kubernetes is on version [${parsed.join('.')}], but version [${MIN_KUBERNETES_VERSION.join('.')}] or more recent is required`)
        }
        return pass()
      },
    },
  ],
}
