// Certificate facts for the identity and webhook checks, from node:crypto's real X.509 parser:
// validity window, issuer chain, key algorithm and the expiry-warning rule.
import {createPrivateKey, createPublicKey, X509Certificate, type KeyObject} from 'node:crypto'

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

// Signature algorithms by OID (node:crypto does not expose the certificate's).
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'ECDSA-SHA256',
  '1.2.840.10045.4.3.3': 'ECDSA-SHA384',
  '1.2.840.10045.4.3.4': 'ECDSA-SHA512',
  '1.2.840.113549.1.1.5': 'SHA1-RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.113549.1.1.11': 'SHA256-RSA',
  '1.2.840.113549.1.1.12': 'SHA384-RSA',
  '1.2.840.113549.1.1.13': 'SHA512-RSA',
  '1.3.101.112': 'Ed25519',
}

/** One DER element at `offset`: where its content starts and ends. */
function derElement(der: Buffer, offset: number): {start: number; end: number} {
  let length = der[offset + 1] as number
  let start = offset + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    length = 0
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[start + i] as number)
    start += bytes
  }
  return {start, end: start + length}
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor((bytes[0] as number) / 40), (bytes[0] as number) % 40]
  let value = 0
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      parts.push(value)
      value = 0
    }
  }
  return parts.join('.')
}

/** The algorithm the certificate was signed with (Go's names, as Linkerd prints them), e.g. `ECDSA-SHA256`. */
export function signatureAlgorithm(cert: X509Certificate): string {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, ... }, signature }
  const der = cert.raw
  const outer = derElement(der, 0)
  const tbs = derElement(der, outer.start)
  const algorithm = derElement(der, tbs.end)
  const oid = derElement(der, algorithm.start)
  const dotted = oidText(der.subarray(oid.start, oid.end))
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted
}

function ecdsaProblem(cert: X509Certificate): string | undefined {
  const curve = cert.publicKey.asymmetricKeyDetails?.namedCurve
  if (curve !== 'prime256v1') return `must use P-256 curve for public key, instead ${curve ?? 'an unknown curve'} was used`
  const signed = signatureAlgorithm(cert)
  if (signed !== 'ECDSA-SHA256' && signed !== 'SHA256-RSA') return `must be signed by an ECDSA P-256 key, instead ${signed} was used`
  return undefined
}

/**
 * Linkerd's rules for trust anchors (linkerd2 pkg/issuercerts): ECDSA on P-256, signed with
 * ECDSA-SHA256 or SHA256-RSA; or RSA with a 2048 or 4096 bit key, signed with SHA256-RSA.
 */
export function anchorCryptoProblem(cert: X509Certificate): string | undefined {
  const key = cert.publicKey
  let problem: string | undefined
  if (key.asymmetricKeyType === 'ec') problem = ecdsaProblem(cert)
  else if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength
    const signed = signatureAlgorithm(cert)
    if (bits !== 2048 && bits !== 4096) problem = `RSA must use a 2048 or 4096 bit public key, instead ${bits ?? 'an unknown'} bit public key was used`
    else if (signed !== 'SHA256-RSA') problem = `must be signed by an RSA 2048/4096 bit key, instead ${signed} was used`
  } else problem = `trust anchor must use ECDSA or RSA for public key algorithm, instead ${key.asymmetricKeyType ?? 'unknown'} was used`
  return problem === undefined ? undefined : `trust anchor ${certName(cert)}: ${problem}`
}

/** Linkerd's rule for the issuer: ECDSA on P-256 only (the identity controller refuses RSA issuers). */
export function issuerCryptoProblem(cert: X509Certificate): string | undefined {
  const type = cert.publicKey.asymmetricKeyType
  const problem = type === 'ec' ? ecdsaProblem(cert) : `must use ECDSA for public key algorithm, instead ${type === 'rsa' ? 'RSA' : (type ?? 'unknown')} was used`
  return problem === undefined ? undefined : `issuer certificate ${certName(cert)} ${problem}`
}

/** Why `keyPem` is not the private key of `cert` (ECDSA or RSA, PKCS#8, SEC1 or PKCS#1), or undefined. */
export function keyProblem(cert: X509Certificate, keyPem: string): string | undefined {
  let key: KeyObject
  try {
    key = createPrivateKey(keyPem)
  } catch (error) {
    return `the private key does not parse: ${error instanceof Error ? error.message : String(error)}`
  }
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') return `unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}; Linkerd supports ECDSA and RSA keys`
  const mine = createPublicKey(key).export({format: 'der', type: 'spki'})
  const theirs = cert.publicKey.export({format: 'der', type: 'spki'})
  return mine.equals(theirs) ? undefined : `the private key does not match certificate ${certName(cert)}`
}

/**
 * Why `cert` does not chain to one of `anchors` through `intermediates` (each link a CA whose
 * signature verifies), or undefined. A certificate that is itself an anchor is trusted, as in Go.
 */
export function chainProblem(cert: X509Certificate, intermediates: readonly X509Certificate[], anchors: readonly X509Certificate[], now: number): string | undefined {
  const isAnchor = (c: X509Certificate) => anchors.some((a) => a.fingerprint256 === c.fingerprint256)
  let expiredIntermediate: string | undefined
  const reaches = (current: X509Certificate, seen: Set<string>): boolean => {
    if (isAnchor(current) || anchors.some((a) => a.ca && isSignedBy(current, a))) return true
    for (const next of intermediates) {
      if (seen.has(next.fingerprint256) || !next.ca || !isSignedBy(current, next)) continue
      const invalid = validityProblem(next, now)
      if (invalid) {
        expiredIntermediate ??= `intermediate ${invalid}`
        continue
      }
      if (reaches(next, new Set([...seen, next.fingerprint256]))) return true
    }
    return false
  }
  if (reaches(cert, new Set([cert.fingerprint256]))) return undefined
  const via = intermediates.length === 0 ? '' : ` (nor through the ${intermediates.length === 1 ? 'intermediate certificate' : `${intermediates.length} intermediate certificates`} after it)`
  const by = anchors.length === 1 ? 'the trust anchor' : `any of the ${anchors.length} trust anchors`
  return expiredIntermediate ?? `certificate ${certName(cert)} is not signed by ${by}${via}`
}

export const isCA = (cert: X509Certificate): boolean => cert.ca
