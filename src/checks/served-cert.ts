// A TLS server certificate the API server verifies against a CA bundle it holds: an admission
// webhook's (caBundle of its configuration) or an aggregated API's (caBundle of its APIService,
// viz's tap). As Linkerd checks them: the certificate is valid now, its private key is its own,
// it names its service and chains (through any intermediates after it in the secret) to the
// bundle, whose certificates are valid too; and none of them is about to expire.
import type {X509Certificate} from 'node:crypto'

import type {CheckContext} from './context.js'
import {secretText} from './linkerd.js'
import type {CheckScope} from './types.js'
import {certName, chainProblem, expiryProblem, keyProblem, parsePemBundle, validityProblem} from './x509.js'

export interface Served {
  cert: X509Certificate
  /** Certificates after the serving one in the secret. */
  chain: X509Certificate[]
  keyPem: string | undefined
  keyName: string
  source: string
}

/** Where a server keeps its certificate: the current secret first, then the older names. */
export type SecretCandidates = ReadonlyArray<{name: string; cert: string; key: string}>

/** The modern `<name>` (tls.crt, tls.key) and legacy `<legacy>` (crt.pem, key.pem) secrets. */
export const tlsSecrets = (name: string, legacy: string): SecretCandidates => [
  {name, cert: 'tls.crt', key: 'tls.key'},
  {name: legacy, cert: 'crt.pem', key: 'key.pem'},
]

/** The serving certificate from the first secret that exists, or undefined when none does. */
export async function servedCert(ctx: CheckContext, scope: CheckScope, ns: string, candidates: SecretCandidates): Promise<Served | undefined> {
  for (const {name, cert: certKey, key} of candidates) {
    const secret = await scope.waitFor(`secret/${name} in ${ns}`, ctx.snapshot.secret(ns, name))
    if (!secret) continue
    const pem = secretText(secret, certKey)
    if (!pem) throw new Error(`secret/${name} in ${ns} has no ${certKey}`)
    const [cert, ...chain] = parsePemBundle(pem)
    return {cert: cert as X509Certificate, chain, keyPem: secretText(secret, key), keyName: key, source: `secret/${name} in ${ns}`}
  }
  return undefined
}

/** A caBundle (base64 PEM, as the API serves it) as certificates, or why not. */
export function parseCaBundle(bundle: string | undefined, label: string): X509Certificate[] | string {
  if (!bundle) return `${label} has no caBundle`
  const text = Buffer.from(bundle, 'base64').toString('utf8')
  try {
    return parsePemBundle(text)
  } catch (error) {
    return `the caBundle of ${label}: ${error instanceof Error ? error.message : String(error)}`
  }
}

/** What is wrong with the served certificate now, for `host`, against `bundle` (named `label`). */
export function servedCertProblems(served: Served, host: string, bundle: X509Certificate[] | string, label: string, now: number): string[] {
  const {cert, chain} = served
  const problems: string[] = []
  const invalid = validityProblem(cert, now)
  if (invalid) problems.push(invalid)
  if (served.keyPem === undefined) problems.push(`${served.keyName} is missing`)
  else {
    const mismatch = keyProblem(cert, served.keyPem)
    if (mismatch) problems.push(mismatch)
  }
  if (cert.checkHost(host) === undefined) problems.push(`certificate ${certName(cert)} is not valid for ${host}`)
  if (typeof bundle === 'string') return [...problems, bundle]
  for (const ca of bundle) {
    const expired = validityProblem(ca, now)
    if (expired) problems.push(`the caBundle of ${label}: ${expired}`)
  }
  const unchained = chainProblem(cert, chain, bundle, now)
  if (unchained) problems.push(`${unchained} in the caBundle of ${label}`)
  return problems
}

/** Which of the certificate, its intermediates and the bundle expire within the threshold. */
export function servedCertExpiry(ctx: CheckContext, served: Served, bundle: X509Certificate[] | string, label: string): string[] {
  const expiring = (certs: readonly X509Certificate[]) => certs.map((c) => expiryProblem(c, ctx.settings.now(), ctx.settings.certExpiryThresholdMs)).filter((p): p is string => p !== undefined)
  const problems = expiring([served.cert, ...served.chain]).map((p) => `${served.source}: ${p}`)
  // The API server verifies the server against this bundle: an expiring CA breaks it as surely.
  // A missing or broken bundle is the validity check's to report.
  if (typeof bundle !== 'string') problems.push(...expiring(bundle).map((p) => `the caBundle of ${label}: ${p}`))
  return problems
}
