// A light syntax tree of one YAML document: just enough structure (maps, sequences, scalars and
// their byte offsets in the document text) to find pod templates and to splice edits in place.
// Built either by the fast scanner (scan.ts) or from a yaml Document (from-yaml.ts).

export type TNode = TMap | TSeq | TScalar

export interface TScalar {
  type: 'scalar'
  start: number
  end: number
  /** The value; for plain scalars of the fast scanner it is resolved on first read from `src`. */
  value: unknown
  src?: string
  /** 'alias' marks a reference (`*name`): its value is `target`'s, which lives elsewhere in the text. */
  style: 'plain' | 'single' | 'double' | 'block' | 'alias'
  /** For aliases: the anchored node referred to. */
  target?: TNode
}

export interface TPair {
  key: string
  keyStart: number
  /** Where the entry's text starts: its line start, or keyStart when the line begins with `- `. */
  lineStart: number
  /** Block: just past the newline of the entry's last content line. Flow: end of the value. */
  end: number
  value: TNode | null
  /** A merge key (`<<: *base`): its value's entries are the map's where it has no key of its own. */
  merge?: true
}

export interface TMap {
  type: 'map'
  flow: boolean
  start: number
  end: number
  /** Column of the keys (block maps). */
  indent: number
  pairs: TPair[]
  /** Some pair is a merge key. */
  merges?: true
}

export interface TItem {
  /** Offset of the `-` (block) or of the value (flow). */
  start: number
  lineStart: number
  end: number
  value: TNode | null
}

export interface TSeq {
  type: 'seq'
  flow: boolean
  start: number
  end: number
  /** Column of the `-` (block sequences). */
  indent: number
  items: TItem[]
}

/** The map's own pair for `key` (not one a merge key brings in). */
export function getPair(map: TMap, key: string): TPair | undefined {
  for (const pair of map.pairs) if (pair.key === key && pair.merge !== true) return pair
  return undefined
}

/** An alias stands for the node it refers to. */
function deref(node: TNode | null): TNode | null {
  return node !== null && node.type === 'scalar' && node.style === 'alias' ? (node.target ?? null) : node
}

/** The maps a merge key brings in, in precedence order (`<<: [*a, *b]`: a's keys win). */
export function mergeSources(map: TMap): TMap[] {
  const out: TMap[] = []
  for (const pair of map.pairs) {
    if (pair.merge !== true) continue
    const value = deref(pair.value)
    const sources = value !== null && value.type === 'seq' ? value.items.map((i) => deref(i.value)) : [value]
    for (const source of sources) if (source !== null && source.type === 'map') out.push(source)
  }
  return out
}

/** The value node for `key`, through merge keys as YAML 1.1 (and so kubectl) reads them. */
export function lookup(map: TMap, key: string): TNode | null | undefined {
  const own = getPair(map, key)
  if (own !== undefined) return own.value
  if (map.merges !== true) return undefined
  for (const source of mergeSources(map)) {
    const found = lookup(source, key)
    if (found !== undefined) return found
  }
  return undefined
}

/** The node at `path` (string keys in maps, numeric indexes in sequences), through aliases and merges, or undefined. */
export function nodeAt(root: TNode | null, path: ReadonlyArray<string | number>): TNode | null | undefined {
  let node: TNode | null = deref(root)
  for (const step of path) {
    if (node === null) return undefined
    if (typeof step === 'number') {
      if (node.type !== 'seq') return undefined
      const item = node.items[step]
      if (item === undefined) return undefined
      node = deref(item.value)
    } else {
      if (node.type !== 'map') return undefined
      const found = lookup(node, step)
      if (found === undefined) return undefined
      node = deref(found)
    }
  }
  return node
}

/** Marks a plain scalar whose value is still to be read from its source text. */
export const UNRESOLVED = Symbol('unresolved')

export function scalarValue(node: TScalar): unknown {
  if (node.value === UNRESOLVED) node.value = resolvePlain(node.src!.slice(node.start, node.end))
  return node.value
}

/** YAML 1.2 core schema resolution of a plain scalar (what the yaml library does by default). */
export function resolvePlain(raw: string): unknown {
  switch (raw) {
    case '~': case 'null': case 'Null': case 'NULL': return null
    case 'true': case 'True': case 'TRUE': return true
    case 'false': case 'False': case 'FALSE': return false
    case '.inf': case '.Inf': case '.INF': case '+.inf': case '+.Inf': case '+.INF': return Number.POSITIVE_INFINITY
    case '-.inf': case '-.Inf': case '-.INF': return Number.NEGATIVE_INFINITY
    case '.nan': case '.NaN': case '.NAN': return Number.NaN
  }
  const c = raw.charCodeAt(0)
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    if (/^[-+]?[0-9]+$/.test(raw)) return Number.parseInt(raw, 10)
    if (/^0o[0-7]+$/.test(raw)) return Number.parseInt(raw.slice(2), 8)
    if (/^0x[0-9a-fA-F]+$/.test(raw)) return Number.parseInt(raw.slice(2), 16)
    if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(raw)) return Number.parseFloat(raw)
  }
  return raw
}

/** Plain JS value of a node (maps become objects, duplicate keys cannot occur: both parsers reject them). */
export function toJS(node: TNode | null | undefined): unknown {
  if (node === null || node === undefined) return null
  if (node.type === 'scalar') return node.style === 'alias' ? toJS(node.target) : scalarValue(node)
  if (node.type === 'seq') return node.items.map((item) => toJS(item.value))
  const out: Record<string, unknown> = {}
  if (node.merges === true) {
    // Merged keys where the merge key stands, unless the map has a key of its own by that name.
    const own = new Set(node.pairs.filter((p) => p.merge !== true).map((p) => p.key))
    for (const pair of node.pairs) {
      if (pair.merge !== true) {
        out[pair.key] = toJS(pair.value)
        continue
      }
      for (const source of mergeSources({...node, pairs: [pair]})) {
        for (const [key, value] of Object.entries(toJS(source) as Record<string, unknown>)) if (!own.has(key) && !Object.hasOwn(out, key)) out[key] = value
      }
    }
    return out
  }
  for (const pair of node.pairs) out[pair.key] = toJS(pair.value)
  return out
}
