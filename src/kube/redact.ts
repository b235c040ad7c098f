// No credential leaves the kube layer in an error. Every secret the layer reads (tokens, token
// files, passwords, client keys, exec-plugin output, auth-provider tokens, proxy passwords) is
// registered here as it is read, and every error that leaves through the boundary (guard.ts) is
// rewritten by redactError: exact values and the shapes of credentials become [REDACTED] in its
// message, hint and stack, and its cause chain (library errors holding requests and bodies) is cut.
import {MIN_SECRET_LENGTH, redactText} from '../util/redact-text.js'

const secrets = new Set<string>()

/** Remembers a secret, its trimmed form and (for multi-line values such as PEM keys) each long line. */
export function registerSecret(value: string | Buffer | undefined | null): void {
  if (value === undefined || value === null) return
  const text = typeof value === 'string' ? value : value.toString('utf8')
  for (const form of [text, text.trim()]) if (form.length >= MIN_SECRET_LENGTH) secrets.add(form)
  if (/[\r\n]/.test(text)) {
    for (const line of text.split(/\r?\n/)) if (line.trim().length >= 16) secrets.add(line.trim())
  }
}

/** `text` with every registered secret and every credential-shaped string replaced. */
export function redact(text: string): string {
  // Longest first, so a secret that contains another is replaced whole.
  return redactText(text, [...secrets].sort((a, b) => b.length - a.length))
}

/** Rewrites an error in place (message, hint, stack; cause dropped) and returns it. */
export function redactError<T>(err: T): T {
  if (!(err instanceof Error)) return err
  const e = err as Error & {hint?: unknown; cause?: unknown}
  const message = redact(e.message)
  if (message !== e.message) Object.defineProperty(e, 'message', {configurable: true, value: message, writable: true})
  if (typeof e.hint === 'string') Object.defineProperty(e, 'hint', {configurable: true, enumerable: true, value: redact(e.hint), writable: true})
  if (typeof e.stack === 'string') e.stack = redact(e.stack)
  if ('cause' in e) delete e.cause
  return err
}
