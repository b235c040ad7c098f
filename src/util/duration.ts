// Go-style durations as kubectl and linkerd accept them: "10s", "1m30s", "500ms", "2h", plus
// Prometheus' days and weeks ("1d", "1w") for windows a Prometheus answers. A bare number means
// seconds (kubectl's --request-timeout does the same).
const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/.test(trimmed) ? trimmed.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d|w)/g) : null
  if (!parts) return undefined
  let total = 0
  for (const part of parts) {
    const [, value, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(part) ?? []
    total += Number(value) * (UNIT_MS[unit ?? ''] ?? Number.NaN)
  }
  return Number.isFinite(total) ? total : undefined
}

/** Renders milliseconds the way Go prints a time.Duration for whole seconds ("10s", "1m30s"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const totalSeconds = Math.round(ms / 1000)
  const h = Math.floor(totalSeconds / 3600)
  const m = Math.floor((totalSeconds % 3600) / 60)
  const s = totalSeconds % 60
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`
}

/**
 * A span the way kubectl shows ages (apimachinery's HumanDuration): `45s`, `3m20s`, `47m`,
 * `5h12m`, `22h`, `3d4h`, `60d`, `2y`. More detail for short spans, less for long ones.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  const hours = Math.floor(seconds / 3600)
  const days = Math.floor(hours / 24)
  if (seconds < 120) return `${seconds}s`
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (hours < 3) return `${minutes}m`
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`
  if (days < 365 * 2) return `${days}d`
  if (days < 365 * 8 && days % 365 !== 0) return `${Math.floor(days / 365)}y${days % 365}d`
  return `${Math.floor(days / 365)}y`
}
