// The shapes of credentials in free text, shared by the kube layer's error boundary and the
// diagnose bundle: PEM private keys, JWTs (service-account and OIDC tokens), the values of bearer
// and basic Authorization headers, plus any exact values the caller knows are secret.
export const REDACTED = '[REDACTED]'

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g
const AUTH_HEADER = /\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi

/** Exact values shorter than this are left alone: they would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 6

export function redactText(text: string, exact: Iterable<string> = []): string {
  let out = text.replace(PRIVATE_KEY, REDACTED).replace(JWT, REDACTED).replace(AUTH_HEADER, `$1$2${REDACTED}`)
  for (const value of exact) if (value.length >= MIN_SECRET_LENGTH) out = out.split(value).join(REDACTED)
  return out
}
