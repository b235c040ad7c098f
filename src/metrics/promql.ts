// PromQL text, built from data: label matchers with Prometheus' quoting and regex escaping,
// selectors, ranges. Pure. The viz family's queries are written with these so that no label
// value (a pod name, a namespace) is ever spliced into a query unescaped.

export type MatchOp = '=' | '!=' | '=~' | '!~'

export interface Matcher {
  label: string
  op: MatchOp
  value: string
}

export const eq = (label: string, value: string): Matcher => ({label, op: '=', value})
export const ne = (label: string, value: string): Matcher => ({label, op: '!=', value})

/** `label=~"^(a|b)$"`-style matcher for a set of exact values (`=` for one; Prometheus anchors regexes itself). */
export function oneOf(label: string, values: Iterable<string>): Matcher {
  const list = [...new Set(values)].sort()
  if (list.length === 1) return eq(label, list[0] as string)
  return {label, op: '=~', value: list.map(escapeRegex).join('|')}
}

/** Any value but these (the empty set: the label may be anything, even absent). */
export function noneOf(label: string, values: Iterable<string>): Matcher | undefined {
  const list = [...new Set(values)].sort()
  if (list.length === 0) return undefined
  if (list.length === 1) return ne(label, list[0] as string)
  return {label, op: '!~', value: list.map(escapeRegex).join('|')}
}

/** RE2 metacharacters escaped, so a value matches only itself. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

/** A PromQL double-quoted string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/** `metric{a="1",b!~"x|y"}`; matchers in the order given, undefined ones skipped. */
export function selector(metric: string, matchers: ReadonlyArray<Matcher | undefined>): string {
  const parts = matchers.filter((m): m is Matcher => m !== undefined).map((m) => `${m.label}${m.op}${quote(m.value)}`)
  return `${metric}{${parts.join(',')}}`
}

/** A range duration in whole seconds or milliseconds, as Prometheus parses it (`60s`, `1500ms`). */
export function range(windowMs: number): string {
  return windowMs % 1000 === 0 ? `${windowMs / 1000}s` : `${Math.round(windowMs)}ms`
}

/** `by (a, b)` with the labels in the order given, duplicates dropped. */
export function by(labels: readonly string[]): string {
  return `by (${[...new Set(labels)].join(', ')})`
}
