// Certificate facts for the identity and webhook checks, from node:crypto's real X.509 parser:
// validity window, issuer chain, key algorithm and the expiry-warning rule.
import {X509Certificate} from 'node:crypto'

const DAY_MS = 86_400_000
export const DEFAULT_EXPIRY_THRESHOLD_MS = 60 * DAY_MS

/** Every certificate in a PEM bundle; throws with the block number when one does not parse. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) throw new Error('no PEM certificate found')
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block)
    } catch (error) {
      throw new Error(`certificate ${i + 1} does not parse: ${error instanceof Error ? error.message : String(error)}`)
    }
  })
}

export const notBefore = (cert: X509Certificate): number => Date.parse(cert.validFrom)
export const notAfter = (cert: X509Certificate): number => Date.parse(cert.validTo)

/** A short name for messages: the subject CN, else the whole subject. */
export function certName(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)
  return cn?.[1] ?? cert.subject.replaceAll('\n', ', ')
}

/** Why the certificate is not valid at `now`, or undefined when it is. */
export function validityProblem(cert: X509Certificate, now: number): string | undefined {
  if (now < notBefore(cert)) return `certificate ${certName(cert)} is not valid before ${new Date(notBefore(cert)).toISOString()}`
  if (now > notAfter(cert)) return `certificate ${certName(cert)} expired on ${new Date(notAfter(cert)).toISOString()}`
  return undefined
}

/**
 * How close to expiry a warning starts: `thresholdMs` (60 days by default, like Linkerd), or the
 * last third of the certificate's lifetime when that is shorter, so short-lived cert-manager
 * certificates that renew on schedule do not warn all the time (linkerd/website#1502).
 */
export function expiryWarningWindowMs(cert: X509Certificate, thresholdMs: number = DEFAULT_EXPIRY_THRESHOLD_MS): number {
  const lifetime = notAfter(cert) - notBefore(cert)
  return Math.min(thresholdMs, lifetime / 3)
}

/** Why the certificate expires too soon, or undefined when it has enough time left. */
export function expiryProblem(cert: X509Certificate, now: number, thresholdMs: number = DEFAULT_EXPIRY_THRESHOLD_MS): string | undefined {
  const left = notAfter(cert) - now
  if (left <= 0) return `certificate ${certName(cert)} expired on ${new Date(notAfter(cert)).toISOString()}`
  if (left < expiryWarningWindowMs(cert, thresholdMs)) {
    return `certificate ${certName(cert)} expires on ${new Date(notAfter(cert)).toISOString()} (in ${formatLeft(left)})`
  }
  return undefined
}

export function formatLeft(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)} days`
  const hours = Math.floor(ms / 3_600_000)
  if (hours >= 1) return `${hours}h${Math.floor((ms % 3_600_000) / 60_000)}m`
  return `${Math.max(0, Math.floor(ms / 60_000))}m`
}

/** True when `issuer` names and signed `cert` (issuer DN match and signature verification). */
export function isSignedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey)
  } catch {
    return false
  }
}

/**
 * Linkerd accepts ECDSA keys on the P-256 curve and RSA keys for its identity certificates
 * (linkerd2 pkg/issuercerts); anything else is refused by the identity controller.
 */
export function cryptoProblem(cert: X509Certificate): string | undefined {
  const key = cert.publicKey
  const type = key.asymmetricKeyType
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve !== 'prime256v1' && curve !== 'P-256') return `certificate ${certName(cert)} uses the ${curve ?? 'unknown'} curve; it must use P-256`
    return undefined
  }
  if (type === 'rsa') return undefined
  return `certificate ${certName(cert)} uses a ${type ?? 'unknown'} key; it must be ECDSA P-256 or RSA`
}

export const isCA = (cert: X509Certificate): boolean => cert.ca
