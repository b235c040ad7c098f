// linkerd-ha-checks: an install whose values say highAvailability runs more than one available
// replica of each core control-plane Deployment; with one, a node drain or a crash takes the
// mesh's identity, discovery or injection down. Skipped for non-HA installs, as in Linkerd.
import type {CheckContext} from '../context.js'
import {CORE_COMPONENTS, linkerdValues, LINKERD_CONFIG} from '../linkerd.js'
import {fail, pass, skip, type Category} from '../types.js'

export const linkerdHa: Category<CheckContext> = {
  id: 'linkerd-ha-checks',
  name: 'linkerd-ha-checks',
  checks: [
    {
      id: 'control-plane-replicas',
      description: 'multiple replicas of control plane pods',
      severity: 'warning',
      retry: true,
      hint: 'l5d-control-plane-replicas',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
        if (!values.highAvailability) return skip('not run for non HA installs')
        const deployments = await scope.waitFor(`deployments in ${ns}`, ctx.snapshot.deployments(ns))
        const faulty = CORE_COMPONENTS.map((component) => `linkerd-${component}`).flatMap((name) => {
          const deployment = deployments.find((d) => d.metadata?.name === name)
          if (!deployment) return [`deployment/${name} not found`]
          const available = deployment.status?.availableReplicas ?? 0
          return available > 1 ? [] : [`deployment/${name} has ${available} available replica${available === 1 ? '' : 's'} (of ${deployment.spec?.replicas ?? 1})`]
        })
        return faulty.length === 0 ? pass() : fail(`not enough replicas available for high availability:\n${faulty.map((f) => `\t* ${f}`).join('\n')}`)
      },
    },
  ],
}
