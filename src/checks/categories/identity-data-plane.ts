// linkerd-identity-data-plane (`check --proxy`): proxies carry the current trust anchors. A proxy
// started before the anchors were rotated keeps the old bundle until it restarts, and then cannot
// validate peers that present certificates from the new issuer.
import type {CheckContext} from '../context.js'
import {listProblems} from '../pods.js'
import {STALE_ANCHORS, staleTrustAnchors} from '../trust-anchors.js'
import {fail, pass, type Category} from '../types.js'
import {dataPlanePods} from './data-plane.js'

export const identityDataPlane: Category<CheckContext> = {
  id: 'linkerd-identity-data-plane',
  name: 'linkerd-identity-data-plane',
  checks: [
    {
      id: 'proxies-certs-match-ca',
      description: 'data plane proxies certificate match CA',
      severity: 'warning',
      hint: 'l5d-identity-data-plane-proxies-certs-match-ca',
      async run(ctx, scope) {
        const stale = await staleTrustAnchors(ctx, scope, await dataPlanePods(ctx, scope))
        return stale.length === 0 ? pass() : fail(listProblems(STALE_ANCHORS, stale))
      },
    },
  ],
}
