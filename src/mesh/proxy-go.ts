// Small reimplementations of the Go and Kubernetes parsing/formatting rules that decide what
// Linkerd's injector writes: Go booleans and durations, Go's `%v` for numbers, sprig's snakecase,
// and Kubernetes resource quantities (parsed, rounded up to whole cores, printed canonically).

/** strconv.ParseBool. */
export function goParseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  return undefined
}

const DURATION_UNITS: Record<string, number> = {ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600}

/** time.ParseDuration, in seconds ("1m30s" → 90, "500ms" → 0.5). */
export function goParseDuration(text: string): number | undefined {
  const match = /^([-+]?)(.*)$/.exec(text)
  let rest = match?.[2] ?? ''
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  while (rest !== '') {
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest)
    if (!part) return undefined
    total += Number(part[1]) * (DURATION_UNITS[part[2] as string] ?? Number.NaN)
    rest = rest.slice(part[0].length)
  }
  return match?.[1] === '-' ? -total : total
}

/** What Go's text/template prints for a Helm value number (Helm numbers are float64: `%v` = `%g`). */
export function goFormatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value)
  const [mantissa = '', exp = '0'] = value.toExponential().split('e')
  const exponent = Number(exp)
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  return String(value)
}

/** Go's fmt `%v` of a Helm value, as `quote` and `toString` print it. */
export function goFormat(value: unknown): string {
  if (typeof value === 'number') return goFormatNumber(value)
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** sprig's `snakecase` (huandu/xstrings ToSnakeCase): appleSauce → apple_sauce, HTTP2 → http2. */
export function snakeCase(text: string): string {
  let out = ''
  const chars = [...text]
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    const prev = chars[i - 1]
    const next = chars[i + 1]
    const isUpper = c !== c.toLowerCase()
    if (c === '-' || c === ' ' || c === '_' || c === '.') {
      if (out !== '' && !out.endsWith('_')) out += '_'
      continue
    }
    if (isUpper && out !== '' && !out.endsWith('_')) {
      const prevLowerOrDigit = prev !== undefined && (prev !== prev.toUpperCase() || /\d/.test(prev))
      const nextLower = next !== undefined && next !== next.toUpperCase()
      const prevUpper = prev !== undefined && prev !== prev.toLowerCase()
      if (prevLowerOrDigit || (prevUpper && nextLower)) out += '_'
    }
    out += c.toLowerCase()
  }
  return out.replace(/_+$/, '')
}

// --- Kubernetes resource quantities ---------------------------------------------------------

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent'

export interface Quantity {
  /** Value in nano units (10^-9), rounded up as Kubernetes does. */
  nanos: bigint
  format: QuantityFormat
}

const DECIMAL_SUFFIXES: Record<string, number> = {n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18}
const BINARY_SUFFIXES: Record<string, number> = {Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q
}

/** resource.ParseQuantity; undefined when Kubernetes would reject the text. */
export function parseQuantity(text: string): Quantity | undefined {
  const match = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)$/.exec(text.trim())
  if (!match || text.trim() !== text) return undefined
  const [, sign, number = '', suffix = ''] = match
  const [whole = '', frac = ''] = number.split('.')
  let numerator = BigInt(`${whole || '0'}${frac}`)
  let denominator = 10n ** BigInt(frac.length)
  let format: QuantityFormat
  if (suffix in DECIMAL_SUFFIXES) {
    format = 'DecimalSI'
    const e = DECIMAL_SUFFIXES[suffix] as number
    if (e >= 0) numerator *= 10n ** BigInt(e)
    else denominator *= 10n ** BigInt(-e)
  } else if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI'
    numerator *= 2n ** BigInt(BINARY_SUFFIXES[suffix] as number)
  } else {
    const exp = /^[eE]([+-]?\d+)$/.exec(suffix)
    if (!exp) return undefined
    format = 'DecimalExponent'
    const e = Number(exp[1])
    if (Math.abs(e) > 1000) return undefined
    if (e >= 0) numerator *= 10n ** BigInt(e)
    else denominator *= 10n ** BigInt(-e)
  }
  let nanos = ceilDiv(numerator * 1_000_000_000n, denominator)
  if (sign === '-') nanos = -nanos
  return {nanos, format}
}

/** inject.ToWholeCPUCores: the quantity rounded up to a whole number. */
export function wholeCores(q: Quantity): number {
  return Number(ceilDiv(q.nanos, 1_000_000_000n))
}

/** Quantity.String(): the canonical form Kubernetes writes back ("0.5" → "500m", "1.5Gi" → "1536Mi"). */
export function formatQuantity(q: Quantity): string {
  const negative = q.nanos < 0n
  const abs = negative ? -q.nanos : q.nanos
  const sign = negative ? '-' : ''
  if (abs === 0n) return '0'
  if (q.format === 'BinarySI' && abs % 1_000_000_000n === 0n && abs >= 1024n * 1_000_000_000n) {
    let value = abs / 1_000_000_000n
    let suffix = ''
    for (const next of ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']) {
      if (value % 1024n !== 0n) break
      value /= 1024n
      suffix = next
    }
    return `${sign}${value}${suffix}`
  }
  // Decimal: the largest power of 1000 that keeps the mantissa whole.
  let value = abs
  let exponent = -9
  while (exponent < 18 && value % 1000n === 0n) {
    value /= 1000n
    exponent += 3
  }
  if (q.format === 'DecimalExponent') return `${sign}${value}${exponent === 0 ? '' : `e${exponent}`}`
  const suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)?.[0] ?? ''
  return `${sign}${value}${suffix}`
}

/** The canonical text of a quantity, or the text unchanged when it does not parse. */
export function canonicalQuantity(text: string): string {
  const q = parseQuantity(text)
  return q ? formatQuantity(q) : text
}
