// `proxy-metrics --obfuscate`: replace the values of the labels that name services, addresses and
// identities with the first 4 bytes of their SHA-256 in hex, as `linkerd diagnostics proxy-metrics
// --obfuscate` does (cli/cmd/metrics_diagnostics_util.go). Linkerd re-serialises the parsed text
// in Go map order; we rewrite only the label values in place, so everything else (family order,
// HELP/TYPE/UNIT/EOF lines, number formatting) stays byte-identical and the output is stable.
import {createHash} from 'node:crypto'

export const OBFUSCATED_LABELS: ReadonlySet<string> = new Set(['authority', 'client_id', 'server_id', 'target_addr', 'dst_service', 'dst_namespace'])

export function obfuscateValue(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8)
}

function unescapeLabel(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
}

/** Rewrites one sample line; comment lines and lines without labels come back unchanged. */
export function obfuscateLine(line: string, labels: ReadonlySet<string> = OBFUSCATED_LABELS): string {
  if (line.startsWith('#')) return line
  const open = line.indexOf('{')
  if (open < 0) return line
  let out = line.slice(0, open + 1)
  let i = open + 1
  while (i < line.length) {
    const ch = line[i]
    if (ch === '}') return out + line.slice(i)
    const eq = line.indexOf('=', i)
    if (eq < 0 || line[eq + 1] !== '"') return line // not a label pair: leave the line alone
    const name = line.slice(i, eq).replace(/^[\s,]+/, '').trim()
    let j = eq + 2
    while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1
    if (j >= line.length) return line
    const raw = line.slice(eq + 2, j)
    out += line.slice(i, eq + 2) + (labels.has(name) ? obfuscateValue(unescapeLabel(raw)) : raw) + '"'
    i = j + 1
  }
  return line
}

export function obfuscateMetrics(text: string, labels: ReadonlySet<string> = OBFUSCATED_LABELS): string {
  return text
    .split('\n')
    .map((line) => obfuscateLine(line, labels))
    .join('\n')
}
