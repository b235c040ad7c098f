// The certificate expiry threshold: durations with a day unit (`60d`, `1d12h`), and how the expiry
// checks word it in their descriptions ("valid for at least 60 days").
import {formatDuration, parseDuration} from '../util/duration.js'

const DAY_MS = 86_400_000

/** `linkerd check` warns 60 days before a certificate expires: `--cert-expiry-threshold`'s default. */
export const DEFAULT_CERT_EXPIRY_THRESHOLD_MS = 60 * DAY_MS
/** The same, as the flag spells it. */
export const DEFAULT_CERT_EXPIRY_THRESHOLD = `${DEFAULT_CERT_EXPIRY_THRESHOLD_MS / DAY_MS}d`

/** `60d`, `1d12h`, or anything parseDuration takes (`12h`, `90m`). */
export function parseLongDuration(text: string): number | undefined {
  const match = /^(\d+)d(.*)$/.exec(text.trim())
  if (!match) return parseDuration(text)
  const rest = match[2] === '' ? 0 : parseDuration(match[2] as string)
  return rest === undefined ? undefined : Number(match[1]) * DAY_MS + rest
}

export function wordDuration(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`
  return formatDuration(ms)
}
