// Parses Linkerd's port-list annotations (`config.linkerd.io/opaque-ports`, `skip-inbound-ports`,
// `skip-outbound-ports`) the way Linkerd does (pkg/util/parsing.go): split on commas after dropping
// one trailing comma, trim each item, accept a container port name (opaque-ports only), a port or a
// range `low-high`. Linkerd silently drops items it cannot parse; we keep them so rules can say so.

export interface PortRange {
  low: number
  high: number
}

export type PortListItem =
  | {kind: 'range'; text: string; range: PortRange}
  | {kind: 'name'; text: string; name: string; resolved?: number}
  | {kind: 'invalid'; text: string; reason: string}

export interface PortList {
  raw: string
  items: PortListItem[]
}

const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i

function parsePort(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= 65535 ? n : undefined
}

/** Parses one item: a number, a range, else (when names are allowed) a port name. */
export function parsePortItem(text: string, namedPorts?: ReadonlyMap<string, number>): PortListItem {
  // A name that matches a container port wins, even when it also reads as a range ("123-456").
  const named = namedPorts?.get(text)
  if (named !== undefined) return {kind: 'name', text, name: text, resolved: named}
  if (text === '') return {kind: 'invalid', text, reason: 'empty item'}
  const parts = text.split('-')
  if (parts.length <= 2 && parts.every((p) => /^\d+$/.test(p))) {
    const low = parsePort(parts[0] ?? '')
    const high = parts.length === 2 ? parsePort(parts[1] ?? '') : low
    if (low === undefined || high === undefined) return {kind: 'invalid', text, reason: 'ports must be between 1 and 65535'}
    if (low > high) return {kind: 'invalid', text, reason: `range start ${low} is above its end ${high}`}
    return {kind: 'range', text, range: {low, high}}
  }
  if (namedPorts !== undefined && PORT_NAME.test(text) && /[a-z]/i.test(text)) return {kind: 'name', text, name: text}
  return {kind: 'invalid', text, reason: 'not a port, a range (low-high) or a port name'}
}

/**
 * Parses a comma list. `namedPorts` (container port name -> number) enables names, as Linkerd
 * does for opaque-ports only; skip lists accept numbers and ranges.
 */
export function parsePortList(raw: string, namedPorts?: ReadonlyMap<string, number>): PortList {
  const trimmed = raw.trim()
  if (trimmed === '') return {raw, items: []}
  const body = trimmed.endsWith(',') ? trimmed.slice(0, -1) : trimmed
  return {raw, items: body.split(',').map((item) => parsePortItem(item.trim(), namedPorts))}
}

/** The ports a list covers (resolved names and ranges; invalid and unresolved items cover nothing). */
export function listRanges(list: PortList): PortRange[] {
  const ranges: PortRange[] = []
  for (const item of list.items) {
    if (item.kind === 'range') ranges.push(item.range)
    else if (item.kind === 'name' && item.resolved !== undefined) ranges.push({low: item.resolved, high: item.resolved})
  }
  return ranges
}

export function rangesContain(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.low && port <= r.high)
}

export function formatRanges(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.low === r.high ? String(r.low) : `${r.low}-${r.high}`)).join(',')
}

export function formatRange(r: PortRange): string {
  return r.low === r.high ? String(r.low) : `${r.low}-${r.high}`
}
