// linkerd-crd (`check --crds`): after `linkerd install --crds` and before the control plane,
// every Linkerd CRD exists at the version the release serves. Retried under --wait, as Linkerd
// does, since CRDs take a moment to be established after an apply.
import type {CheckContext} from '../context.js'
import {crdProblems} from '../linkerd.js'
import {fail, pass, type Category} from '../types.js'

export const linkerdCrd: Category<CheckContext> = {
  id: 'linkerd-crd',
  name: 'linkerd-crd',
  checks: [
    {
      id: 'crds-exist',
      description: 'control plane CustomResourceDefinitions exist',
      severity: 'error',
      fatal: true,
      retry: true,
      hint: 'l5d-existence-crd',
      async run(ctx, scope) {
        const problems = crdProblems(await scope.waitFor('customresourcedefinitions', ctx.snapshot.crds()), false)
        return problems.length === 0 ? pass() : fail(problems.join('\n'))
      },
    },
  ],
}
