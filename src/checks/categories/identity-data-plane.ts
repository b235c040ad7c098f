// linkerd-identity-data-plane (`check --proxy`): proxies carry the current trust anchors. A proxy
// started before the anchors were rotated keeps the old bundle until it restarts, and then cannot
// validate peers that present certificates from the new issuer.
import type {X509Certificate} from 'node:crypto'

import type {CheckContext} from '../context.js'
import {trustAnchorsPem} from '../linkerd.js'
import {listProblems, podName, proxyContainer} from '../pods.js'
import {fail, pass, type Category} from '../types.js'
import {parsePemBundle} from '../x509.js'
import {dataPlanePods} from './data-plane.js'

const TRUST_ANCHORS_ENV = 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS'

const fingerprints = (certs: readonly X509Certificate[]) => new Set(certs.map((c) => c.fingerprint256))

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
        const ns = ctx.settings.controlPlaneNamespace
        const {pem} = await scope.waitFor(`trust anchors in ${ns}`, trustAnchorsPem(ctx.snapshot, ns))
        const current = fingerprints(parsePemBundle(pem))
        const pods = await dataPlanePods(ctx, scope)
        const stale: string[] = []
        // Pods almost always carry the same bundle text: parse each distinct text once (X.509
        // parsing was ~1 ms per pod, 10% of a 500-pod check --proxy).
        const parsed = new Map<string, Set<string> | undefined>()
        for (const pod of pods) {
          // Pods that read the anchors from the trust-roots config map (valueFrom) always match.
          const value = proxyContainer(pod)?.env?.find((e) => e.name === TRUST_ANCHORS_ENV)?.value
          if (!value) continue
          if (!parsed.has(value)) {
            try {
              parsed.set(value, fingerprints(parsePemBundle(value)))
            } catch {
              parsed.set(value, undefined)
            }
          }
          const theirs = parsed.get(value)
          if (!theirs) {
            stale.push(`${podName(pod)} (unparsable ${TRUST_ANCHORS_ENV})`)
            continue
          }
          if (theirs.size !== current.size || [...theirs].some((f) => !current.has(f))) stale.push(podName(pod))
        }
        return stale.length === 0 ? pass() : fail(listProblems('Some pods do not have the current trust bundle and must be restarted:', stale))
      },
    },
  ],
}
