// Which proxies carry trust anchors other than the control plane's. A proxy started before the
// anchors were rotated keeps the old bundle in its env until it restarts, and then cannot
// validate peers that present certificates from the new issuer.
import type {X509Certificate} from 'node:crypto'

import type {V1Pod} from '../kube/types.js'
import type {CheckContext} from './context.js'
import {trustAnchorsPem} from './linkerd.js'
import {podName, proxyContainer} from './pods.js'
import type {CheckScope} from './types.js'
import {parsePemBundle} from './x509.js'

export const TRUST_ANCHORS_ENV = 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS'

const fingerprints = (certs: readonly X509Certificate[]) => new Set(certs.map((c) => c.fingerprint256))

/** `pod/x in ns` for each pod whose proxy env holds other anchors than the control plane's. */
export async function staleTrustAnchors(ctx: CheckContext, scope: CheckScope, pods: readonly V1Pod[]): Promise<string[]> {
  const ns = ctx.settings.controlPlaneNamespace
  const {pem} = await scope.waitFor(`trust anchors in ${ns}`, trustAnchorsPem(ctx.snapshot, ns))
  const current = fingerprints(parsePemBundle(pem))
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
    if (!theirs) stale.push(`${podName(pod)} (unparsable ${TRUST_ANCHORS_ENV})`)
    else if (theirs.size !== current.size || [...theirs].some((f) => !current.has(f))) stale.push(podName(pod))
  }
  return stale
}

export const STALE_ANCHORS = 'Some pods do not have the current trust bundle and must be restarted:'
