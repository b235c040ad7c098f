// gateway-api-crd (every mode, fatal): Linkerd's policy controller watches Gateway API HTTPRoutes
// and GRPCRoutes, so since edge-26.7.1 `linkerd check` refuses a cluster without their CRDs. Each
// must serve `v1` (Gateway API v1.1.1 or later); whether Linkerd's chart installed them (the
// `linkerd.io/created-by` annotation) or something else did is reported on success.
import type {V1CustomResourceDefinition} from '../../kube/types.js'
import {GATEWAY_API_BUNDLE_VERSION, GATEWAY_API_CRDS, GATEWAY_API_INSTALL} from '../../mesh/gateway-api.js'
import {ANNOTATION} from '../../mesh/names.js'
import type {CheckContext} from '../context.js'
import {fail, pass, type Category} from '../types.js'

function manager(crd: V1CustomResourceDefinition): string {
  const annotations = crd.metadata?.annotations ?? {}
  const createdBy = annotations[ANNOTATION.createdBy]
  const bundle = annotations[GATEWAY_API_BUNDLE_VERSION]
  const release = bundle ? ` (Gateway API ${bundle})` : ''
  return createdBy ? `installed by Linkerd (${createdBy})${release}` : `installed outside Linkerd${release}`
}

export const gatewayApiCrd: Category<CheckContext> = {
  id: 'gateway-api-crd',
  name: 'gateway-api-crd',
  checks: [
    {
      id: 'crds-installed',
      description: 'Gateway API CRDs are installed',
      severity: 'error',
      fatal: true,
      hint: 'gateway-api-crd',
      async run(ctx, scope) {
        const crds = await scope.waitFor('customresourcedefinitions', ctx.snapshot.crds())
        const found = GATEWAY_API_CRDS.map((expected) => ({expected, crd: crds.find((c) => c.metadata?.name === expected.name)}))
        if (found.every(({crd}) => crd === undefined)) {
          return fail(`The Gateway API CRDs must be installed prior to installing Linkerd. Run:\n\n${GATEWAY_API_INSTALL}\n\nor see https://gateway-api.sigs.k8s.io/guides/#installing-gateway-api for more options.`)
        }
        const problems: string[] = []
        const details: string[] = []
        for (const {expected, crd} of found) {
          if (!crd) {
            problems.push(`missing ${expected.name}`)
            continue
          }
          const served = (crd.spec.versions ?? []).filter((v) => v.served).map((v) => v.name)
          if (!served.includes(expected.version)) {
            problems.push(`the ${expected.name} CRD serves ${served.join(', ') || 'no version'} but not ${expected.version}; upgrade to Gateway API v1.1.1 or later`)
            continue
          }
          details.push(manager(crd))
        }
        return problems.length === 0 ? pass([...new Set(details)].join('; ')) : fail(problems.join('\n'))
      },
    },
  ],
}
