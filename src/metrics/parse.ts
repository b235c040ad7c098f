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

const NAME_START = /[a-zA-Z_:]/
const NAME_CHAR = /[a-zA-Z0-9_:]/
const LABEL_START = /[a-zA-Z_]/
const LABEL_CHAR = /[a-zA-Z0-9_]/
const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/

/** Parses a full /metrics body. Throws MetricsParseError on anything that is not exposition text. */
export function parsePrometheusText(text: string): ParsedMetrics {
  const families = new Map<string, MetricFamily>()
  const samples: Sample[] = []
  let sawEof = false
  const lines = text.split('\n')
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
    const sample = parseSampleLine(line, lineNo)
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

function parseSampleLine(line: string, lineNo: number): Sample {
  let pos = 0
  const fail = (what: string): never => {
    throw new MetricsParseError(lineNo, `${what} at column ${pos + 1} in ${quote(line)}`)
  }
  if (!NAME_START.test(line[pos] ?? '')) fail('expected a metric name')
  while (pos < line.length && NAME_CHAR.test(line[pos] as string)) pos++
  const name = line.slice(0, pos)
  const labels: Record<string, string> = {}
  if (line[pos] === '{') {
    pos++
    for (;;) {
      while (line[pos] === ' ' || line[pos] === '\t') pos++
      if (line[pos] === '}') break
      if (!LABEL_START.test(line[pos] ?? '')) fail('expected a label name')
      const start = pos
      while (pos < line.length && LABEL_CHAR.test(line[pos] as string)) pos++
      const labelName = line.slice(start, pos)
      while (line[pos] === ' ') pos++
      if (line[pos] !== '=') fail(`expected "=" after label ${labelName}`)
      pos++
      while (line[pos] === ' ') pos++
      if (line[pos] !== '"') fail(`expected a quoted value for label ${labelName}`)
      pos++
      let value = ''
      for (;;) {
        const ch = line[pos]
        if (ch === undefined) fail(`unterminated value of label ${labelName}`)
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
      pos++ // closing quote
      labels[labelName] = value
      while (line[pos] === ' ' || line[pos] === '\t') pos++
      if (line[pos] === ',') {
        pos++
        continue
      }
      if (line[pos] !== '}') fail('expected "," or "}" in the label set')
      break
    }
    pos++ // closing brace
  }
  if (line[pos] !== ' ' && line[pos] !== '\t') fail('expected a space before the value')
  // Value, optional timestamp, optional OpenMetrics exemplar (" # {...} v [ts]") which we drop.
  const rest = line.slice(pos).split(' # ', 1)[0] as string
  const fields = rest.trim().split(/[ \t]+/)
  if (fields.length === 0 || fields[0] === '' || fields.length > 2) fail('expected a value and an optional timestamp')
  const value = parseValue(fields[0] as string)
  if (value === undefined) fail(`invalid value ${quote(fields[0] as string)}`)
  const sample: {name: string; labels: Labels; value: number; timestamp?: number} = {labels, name, value: value as number}
  if (fields.length === 2) {
    const ts = parseValue(fields[1] as string)
    if (ts === undefined || !Number.isFinite(ts)) fail(`invalid timestamp ${quote(fields[1] as string)}`)
    sample.timestamp = ts as number
  }
  return sample
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
