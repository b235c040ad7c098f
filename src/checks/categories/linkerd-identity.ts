// linkerd-identity: the trust anchors and the issuer certificate are real, valid X.509
// certificates on the keys Linkerd accepts, the issuer's private key is its own, nothing is
// expiring, and the issuer chains to an anchor (through the intermediates that follow it in the
// secret, as cert-manager writes them). Anchors are the issuer secret's ca.crt for the
// kubernetes.io/tls scheme, linkerd-config's otherwise, as Linkerd reads them. Expiry warns within
// --cert-expiry-threshold, or within the last third of a shorter lifetime.
import type {X509Certificate} from 'node:crypto'

import type {CheckContext} from '../context.js'
import {issuerSecret, issuerTrustAnchorsPem, type IssuerSecret} from '../linkerd.js'
import {DEFAULT_CERT_EXPIRY_THRESHOLD_MS, wordDuration} from '../threshold.js'
import {fail, pass, type Category, type CheckScope} from '../types.js'
import {anchorCryptoProblem, certName, chainProblem, expiryProblem, issuerCryptoProblem, keyProblem, parsePemBundle, validityProblem} from '../x509.js'

async function anchors(ctx: CheckContext, scope: CheckScope): Promise<{certs: X509Certificate[]; source: string}> {
  const ns = ctx.settings.controlPlaneNamespace
  const {pem, source} = await scope.waitFor(`trust anchors in ${ns}`, issuerTrustAnchorsPem(ctx.snapshot, ns))
  try {
    return {certs: parsePemBundle(pem), source}
  } catch (error) {
    throw new Error(`trust anchors in ${source}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

interface Issuer {
  cert: X509Certificate
  /** Certificates after the issuer's in the bundle: intermediates towards an anchor. */
  intermediates: X509Certificate[]
  secret: IssuerSecret
  source: string
}

async function issuer(ctx: CheckContext, scope: CheckScope): Promise<Issuer> {
  const ns = ctx.settings.controlPlaneNamespace
  const secret = await scope.waitFor(`issuer certificate in ${ns}`, issuerSecret(ctx.snapshot, ns))
  try {
    const [cert, ...intermediates] = parsePemBundle(secret.certPem)
    return {cert: cert as X509Certificate, intermediates, secret, source: secret.source}
  } catch (error) {
    throw new Error(`issuer certificate in ${secret.source}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

const problems = (list: Array<string | undefined>) => list.filter((p): p is string => p !== undefined)

/** The identity checks; `validFor` words the expiry checks after --cert-expiry-threshold. */
export const linkerdIdentity = (validFor = wordDuration(DEFAULT_CERT_EXPIRY_THRESHOLD_MS)): Category<CheckContext> => ({
  id: 'linkerd-identity',
  name: 'linkerd-identity',
  checks: [
    {
      id: 'cert-config-valid',
      description: 'certificate config is valid',
      severity: 'error',
      hint: 'l5d-identity-cert-config-valid',
      async run(ctx, scope) {
        const [a, i] = await Promise.all([anchors(ctx, scope), issuer(ctx, scope)])
        const found = a.certs.filter((c) => !c.ca).map((c) => `trust anchor ${certName(c)} is not a CA certificate`)
        if (!i.cert.ca) found.push(`issuer certificate ${certName(i.cert)} in ${i.source} is not a CA certificate`)
        // The identity controller signs with this key: one that does not match cannot issue.
        if (i.secret.keyPem === undefined) found.push(`${i.secret.keyName} is missing: the issuer has no private key`)
        else {
          const mismatch = keyProblem(i.cert, i.secret.keyPem)
          if (mismatch) found.push(`issuer in ${i.source}: ${mismatch}`)
        }
        return found.length === 0 ? pass() : fail(found.join('\n'))
      },
    },
    {
      id: 'trust-anchors-crypto',
      description: 'trust anchors are using supported crypto algorithm',
      severity: 'error',
      hint: 'l5d-identity-trustAnchors-use-supported-crypto',
      async run(ctx, scope) {
        const found = problems((await anchors(ctx, scope)).certs.map(anchorCryptoProblem))
        return found.length === 0 ? pass() : fail(found.join('\n'))
      },
    },
    {
      id: 'trust-anchors-time-valid',
      description: 'trust anchors are within their validity period',
      severity: 'error',
      hint: 'l5d-identity-trustAnchors-are-time-valid',
      async run(ctx, scope) {
        const now = ctx.settings.now()
        const {certs, source} = await anchors(ctx, scope)
        const found = problems(certs.map((c) => validityProblem(c, now)))
        return found.length === 0 ? pass() : fail(`trust anchors in ${source}:\n${found.join('\n')}`)
      },
    },
    {
      id: 'trust-anchors-not-expiring',
      description: `trust anchors are valid for at least ${validFor}`,
      severity: 'warning',
      hint: 'l5d-identity-trustAnchors-not-expiring-soon',
      async run(ctx, scope) {
        const now = ctx.settings.now()
        const {certs, source} = await anchors(ctx, scope)
        const found = problems(certs.map((c) => expiryProblem(c, now, ctx.settings.certExpiryThresholdMs)))
        return found.length === 0 ? pass() : fail(`trust anchors in ${source}:\n${found.join('\n')}`)
      },
    },
    {
      id: 'issuer-cert-crypto',
      description: 'issuer cert is using supported crypto algorithm',
      severity: 'error',
      hint: 'l5d-identity-issuer-cert-uses-supported-crypto',
      async run(ctx, scope) {
        const found = issuerCryptoProblem((await issuer(ctx, scope)).cert)
        return found === undefined ? pass() : fail(found)
      },
    },
    {
      id: 'issuer-cert-time-valid',
      description: 'issuer cert is within its validity period',
      severity: 'error',
      hint: 'l5d-identity-issuer-cert-is-time-valid',
      async run(ctx, scope) {
        const {cert, source} = await issuer(ctx, scope)
        const found = validityProblem(cert, ctx.settings.now())
        return found === undefined ? pass() : fail(`issuer ${found} (${source})`)
      },
    },
    {
      id: 'issuer-cert-not-expiring',
      description: `issuer cert is valid for at least ${validFor}`,
      severity: 'warning',
      hint: 'l5d-identity-issuer-cert-not-expiring-soon',
      async run(ctx, scope) {
        const {cert, source} = await issuer(ctx, scope)
        const found = expiryProblem(cert, ctx.settings.now(), ctx.settings.certExpiryThresholdMs)
        return found === undefined ? pass() : fail(`issuer ${found} (${source})`)
      },
    },
    {
      id: 'issuer-cert-signed-by-anchor',
      description: 'issuer cert is issued by the trust anchor',
      severity: 'error',
      hint: 'l5d-identity-issuer-cert-issued-by-trust-anchor',
      async run(ctx, scope) {
        const [{cert, intermediates, source}, a] = await Promise.all([issuer(ctx, scope), anchors(ctx, scope)])
        const problem = chainProblem(cert, intermediates, a.certs, ctx.settings.now())
        if (problem === undefined) return pass(intermediates.length > 0 ? `through ${intermediates.map(certName).join(', ')}` : undefined)
        return fail(`issuer in ${source}: ${problem} in ${a.source}`)
      },
    },
  ],
})
