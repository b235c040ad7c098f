// Redaction for the diagnose bundle, applied to everything before it is written: values of keys
// and env vars whose names say token/password/secret/key, PEM private keys, bearer tokens and
// JWTs (service-account tokens) wherever they appear, plus any exact values the caller knows are
// secret. Secrets objects are never collected in the first place.
import {REDACTED, redactText} from '../util/redact-text.js'

export {REDACTED, redactText}

const SECRET_NAME = /(token|passw(or)?d|secret|api[-_]?key|private[-_]?key|credential|client[-_]?key)/i

/** JSON held in a string (kubectl's last-applied-configuration annotation) is redacted inside. */
function redactString(value: string, exact: readonly string[]): string {
  const trimmed = value.trim()
  if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
    try {
      return JSON.stringify(redactValue(JSON.parse(trimmed), exact))
    } catch {
      // not JSON after all: fall through to the text rules
    }
  }
  return redactText(value, exact)
}

export function redactValue(value: unknown, exact: readonly string[] = []): unknown {
  if (typeof value === 'string') return redactString(value, exact)
  if (Array.isArray(value)) return value.map((v) => redactValue(v, exact))
  if (value instanceof Date) return value.toISOString()
  if (typeof value !== 'object' || value === null) return value
  const obj = value as Record<string, unknown>
  // An env var {name, value}: the name decides.
  if (typeof obj.name === 'string' && typeof obj.value === 'string' && SECRET_NAME.test(obj.name)) {
    return {...(redactValue({...obj, value: undefined}, exact) as object), value: REDACTED}
  }
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined || key === 'managedFields') continue
    out[key] = typeof v === 'string' && SECRET_NAME.test(key) ? REDACTED : redactValue(v, exact)
  }
  return out
}

/** JSON text with everything secret redacted. */
export function redactedJson(value: unknown, exact: readonly string[] = []): string {
  return `${JSON.stringify(redactValue(value, exact), null, 2)}\n`
}
