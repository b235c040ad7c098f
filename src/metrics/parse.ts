// Parser for what a Linkerd proxy serves on /metrics: the hand-written legacy Prometheus text
// (`# HELP`/`# TYPE`, raw label values) followed by the prometheus-client part in OpenMetrics
// flavour (`# UNIT`, counters declared `foo` with samples `foo_total`, a closing `# EOF`).
// Unknown families are kept as they are; anything that is not exposition text (an HTML error
// page, a truncated line, a gzip body) is rejected with the line number, so callers can turn it
// into a per-pod error instead of computing numbers from garbage.
import type {Labels, MetricFamily, MetricType, ParsedMetrics, Sample} from './types.js'

export class MetricsParseError extends Error {
  readonly line: number

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.name = 'MetricsParseError'
    this.line = line
  }
}

const TYPES = new Set<string>(['counter', 'gauge', 'gaugehistogram', 'histogram', 'info', 'stateset', 'summary', 'unknown', 'untyped'])

// Which sample-name suffixes belong to a family of a given type (OpenMetrics naming; the legacy
// part names counter samples exactly like the family, which the exact-name lookup covers first).
const SUFFIXES: ReadonlyArray<readonly [string, readonly MetricType[]]> = [
  ['_total', ['counter']],
  ['_created', ['counter', 'histogram', 'summary', 'gaugehistogram']],
  ['_bucket', ['histogram', 'gaugehistogram']],
  ['_count', ['histogram', 'summary']],
  ['_sum', ['histogram', 'summary']],
  ['_gcount', ['gaugehistogram']],
  ['_gsum', ['gaugehistogram']],
  ['_info', ['info']],
]

const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/

export interface ParseOptions {
  /**
   * Keep only samples whose name passes (e.g. the handful viz stat reads). Other sample lines are
   * skipped after their metric name, without parsing labels: a busy proxy serves thousands of
   * lines and a stat run parses two bodies per pod. Comments are still read for every family.
   */
  keepSample?: (sampleName: string) => boolean
}

/** Parses a full /metrics body. Throws MetricsParseError on anything that is not exposition text. */
export function parsePrometheusText(text: string, options: ParseOptions = {}): ParsedMetrics {
  const keep = options.keepSample
  const families = new Map<string, MetricFamily>()
  const samples: Sample[] = []
  let sawEof = false
  const lines = text.split('\n')
  const prefixes: PrefixCache = new Map()
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] as string
    if (line.endsWith('\r')) line = line.slice(0, -1)
    const lineNo = index + 1
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      if (/^#\s*EOF\s*$/.test(line)) sawEof = true
      else parseComment(line, lineNo, families)
      continue
    }
    if (keep && !keep(sampleName(line, lineNo))) continue
    const sample = parseSampleLine(line, lineNo, prefixes)
    familyFor(sample.name, families).samples.push(sample)
    samples.push(sample)
  }
  return {families, samples, sawEof}
}

function family(name: string, families: Map<string, MetricFamily>): MetricFamily {
  let found = families.get(name)
  if (!found) {
    found = {name, samples: [], type: 'untyped'}
    families.set(name, found)
  }
  return found
}

// `# HELP name text`, `# TYPE name type`, `# UNIT name unit`; any other comment (the linkerd
// CLI's `# POD` headers, a bare `#`) carries no data and is skipped.
function parseComment(line: string, lineNo: number, families: Map<string, MetricFamily>): void {
  const match = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/.exec(line)
  if (!match) return
  const [, keyword, name = '', rest = ''] = match
  if (!isMetricName(name)) throw new MetricsParseError(lineNo, `invalid metric name ${quote(name)} in # ${keyword}`)
  const target = family(name, families)
  if (keyword === 'HELP') {
    target.help ??= unescapeHelp(rest)
  } else if (keyword === 'UNIT') {
    target.unit = rest.trim()
  } else {
    const type = rest.trim().toLowerCase()
    if (!TYPES.has(type)) throw new MetricsParseError(lineNo, `unknown metric type ${quote(rest.trim())} for ${name}`)
    // A family keeps its first declared type; an undeclared family seen earlier gets one now.
    if (target.type === 'untyped') target.type = type as MetricType
  }
}

function familyFor(sampleName: string, families: Map<string, MetricFamily>): MetricFamily {
  const exact = families.get(sampleName)
  if (exact) return exact
  for (const [suffix, types] of SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue
    const base = families.get(sampleName.slice(0, -suffix.length))
    if (base && types.includes(base.type)) return base
  }
  return family(sampleName, families)
}

// Character classes by code, not regex per character: a busy proxy serves 10k+ lines and a stat
// run parses two bodies per pod.
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57)
const isLabelStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
const isLabelChar = (c: number): boolean => isLabelStart(c) || (c >= 48 && c <= 57)
const SPACE = 32
const TAB = 9

/** The metric name at the start of a sample line, checked just enough to reject non-metrics. */
function sampleName(line: string, lineNo: number): string {
  let pos = 0
  if (!isNameStart(line.charCodeAt(0))) failAt(line, lineNo, 0, 'expected a metric name')
  while (isNameChar(line.charCodeAt(pos))) pos++
  const next = line.charCodeAt(pos)
  if (next !== 123 && next !== SPACE && next !== TAB) failAt(line, lineNo, pos, 'expected "{" or a space after the metric name')
  return line.slice(0, pos)
}

function failAt(line: string, lineNo: number, pos: number, what: string): never {
  throw new MetricsParseError(lineNo, `${what} at column ${pos + 1} in ${quote(line)}`)
}

// Histogram buckets repeat one series' labels once per `le` (a proxy's latency family is most of
// its lines), so a body's parse remembers each `name{...,` prefix that ends right before a final
// `le` label: identical prefix text always parses to the same labels, and only `le` is read anew.
interface PrefixEntry {
  /** The labels of the first line with this prefix, `le` included (overwritten on every copy). */
  labels: Labels
  /** labelKey of `labels`, so bucket samples get their series identity without sorting again. */
  key: string
}
type PrefixCache = Map<string, PrefixEntry>
const LE_LABEL = ',le="'

function parseSampleLine(line: string, lineNo: number, prefixes?: PrefixCache): Sample {
  let pos = 0
  if (!isNameStart(line.charCodeAt(pos))) failAt(line, lineNo, pos, 'expected a metric name')
  while (isNameChar(line.charCodeAt(pos))) pos++
  const name = line.slice(0, pos)
  let labels: Record<string, string> = {}
  let series: string | undefined
  if (line[pos] === '{') {
    const cut = prefixes ? line.indexOf(LE_LABEL, pos) : -1
    const cached = cut >= 0 ? prefixes?.get(line.slice(0, cut)) : undefined
    let lastLabelStart = -1
    if (cached) {
      labels = {...cached.labels}
      pos = cut + 1
    } else {
      pos++
    }
    for (;;) {
      while (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB) pos++
      if (line[pos] === '}') break
      if (!isLabelStart(line.charCodeAt(pos))) failAt(line, lineNo, pos, 'expected a label name')
      const start = pos
      lastLabelStart = start
      while (isLabelChar(line.charCodeAt(pos))) pos++
      const labelName = line.slice(start, pos)
      while (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB) pos++
      if (line[pos] !== '=') failAt(line, lineNo, pos, `expected "=" after label ${labelName}`)
      pos++
      while (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB) pos++
      if (line[pos] !== '"') failAt(line, lineNo, pos, `expected a quoted value for label ${labelName}`)
      pos++
      const close = line.indexOf('"', pos)
      const backslash = line.indexOf('\\', pos)
      let value: string
      if (close >= 0 && (backslash < 0 || backslash > close)) {
        value = line.slice(pos, close)
        pos = close
      } else {
        value = ''
        for (;;) {
          const ch = line[pos]
          if (ch === undefined) failAt(line, lineNo, pos, `unterminated value of label ${labelName}`)
          if (ch === '"') break
          if (ch === '\\') {
            const next = line[pos + 1]
            value += next === 'n' ? '\n' : next === '"' || next === '\\' ? next : `\\${next ?? ''}`
            pos += 2
            continue
          }
          value += ch
          pos++
        }
      }
      pos++ // closing quote
      labels[labelName] = value
      while (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB) pos++
      if (line[pos] === ',') {
        pos++
        continue
      }
      if (line[pos] !== '}') failAt(line, lineNo, pos, 'expected "," or "}" in the label set')
      break
    }
    pos++ // closing brace
    // The `,le="` found by text really was the last label (not text inside a value, no label after).
    const leLast = cut >= 0 && lastLabelStart === cut + 1
    if (cached && leLast) {
      series = seriesKey(cached.key, labels.le)
    } else if (prefixes && !cached && leLast) {
      const {le, ...rest} = labels
      // The template keeps `le` in place: a copy whose existing `le` is overwritten stays a fast
      // object, where adding the property to a copy costs ten times more.
      const entry = {key: labelKey(rest), labels: {...labels}}
      prefixes.set(line.slice(0, cut), entry)
      series = seriesKey(entry.key, le)
    }
  }
  if (line.charCodeAt(pos) !== SPACE && line.charCodeAt(pos) !== TAB) failAt(line, lineNo, pos, 'expected a space before the value')
  // Value, optional timestamp, optional OpenMetrics exemplar (" # {...} v [ts]") which we drop.
  let rest = line.slice(pos)
  const exemplar = rest.indexOf(' # ')
  if (exemplar >= 0) rest = rest.slice(0, exemplar)
  const fields = rest.trim().split(/[ \t]+/)
  if (fields.length === 0 || fields[0] === '' || fields.length > 2) failAt(line, lineNo, pos, 'expected a value and an optional timestamp')
  const value = parseValue(fields[0] as string)
  if (value === undefined) failAt(line, lineNo, pos, `invalid value ${quote(fields[0] as string)}`)
  const sample: {name: string; labels: Labels; value: number; timestamp?: number; series?: string} = {labels, name, value: value}
  if (series !== undefined) sample.series = series
  if (fields.length === 2) {
    const ts = parseValue(fields[1] as string)
    if (ts === undefined || !Number.isFinite(ts)) failAt(line, lineNo, pos, `invalid timestamp ${quote(fields[1] as string)}`)
    sample.timestamp = ts
  }
  return sample
}

/**
 * Identity of a series inside one family: its labels, order-independent. `le` goes last, after
 * the sorted rest, so a bucket's key is its series' key plus its bound (the parser builds it so).
 */
export function labelKey(labels: Labels): string {
  let key = ''
  for (const name of Object.keys(labels).sort()) if (name !== 'le') key += `${name}\u0000${labels[name]}\u0001`
  return seriesKey(key, labels.le)
}

function seriesKey(withoutLe: string, le: string | undefined): string {
  return le === undefined ? withoutLe : `${withoutLe}\u0002${le}`
}

function parseValue(text: string): number | undefined {
  if (NUMBER.test(text)) return Number(text)
  const lower = text.toLowerCase()
  if (lower === 'nan') return Number.NaN
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Number.POSITIVE_INFINITY
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY
  return undefined
}

function isMetricName(name: string): boolean {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)
}

function unescapeHelp(text: string): string {
  return text.replace(/\\([n\\])/g, (_, ch: string) => (ch === 'n' ? '\n' : '\\'))
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)
}
