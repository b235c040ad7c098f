// Builds the light tree (tree.ts) from a yaml library Document, for documents the fast scanner
// declined. Node ranges from yaml become the same offsets the scanner records, so one editor
// serves both. Aliases become nodes that point at their anchored node, and merge keys (`<<`)
// pairs that bring in another map's entries: the editor splices around them, and unshares
// (writes out) an alias only where an edit would go through it or change what it reads.
// Non-scalar keys cannot be located as text: such documents are marked opaque.
import type {Document, Node as YNode} from 'yaml'

import {yaml} from '../util/yaml.js'
import type {TItem, TMap, TNode, TPair, TScalar, TSeq} from './tree.js'

export interface FromYaml {
  root: TNode | null
  /** Every alias, in document order (merge keys' included). */
  aliases: TScalar[]
  /** Some map has a merge key. */
  merges: boolean
  /** True when the text cannot be edited by splices (non-scalar keys): use the Document. */
  opaque: boolean
}

/** An alias refers to a node that contains it, or a document expands to far more than its text. */
export class AliasError extends Error {
  /** Where, as the yaml library reports its errors (1-based, in the document's text). */
  linePos?: Array<{line: number; col: number}>

  constructor(message: string, src?: string, offset?: number) {
    super(message)
    if (src !== undefined && offset !== undefined) {
      const before = src.slice(0, offset)
      this.linePos = [{line: before.split('\n').length, col: offset - before.lastIndexOf('\n')}]
    }
  }
}

interface State {
  doc: Document
  src: string
  aliases: TScalar[]
  merges: boolean
  opaque: boolean
  /** Converted nodes, to point aliases at (an anchor is always converted before its aliases). */
  converted: Map<YNode, TNode>
  /** Expanded size so far: aliases count as the size of what they stand for. */
  weights: Map<TNode, number>
}

export function treeFromYaml(doc: Document, src: string): FromYaml {
  const state: State = {doc, src, aliases: [], merges: false, opaque: false, converted: new Map(), weights: new Map()}
  const root = convert(doc.contents, state)
  return {root, aliases: state.aliases, merges: state.merges, opaque: state.opaque}
}

function lineStartOf(src: string, offset: number): number {
  return src.lastIndexOf('\n', offset - 1) + 1
}

function onlySpacesBefore(src: string, offset: number): boolean {
  const start = lineStartOf(src, offset)
  for (let i = start; i < offset; i++) if (src.charCodeAt(i) !== 32) return false
  return true
}

/** Offset just past the line holding `offset - 1` (or `offset` itself when it starts a line). */
function endOfLine(src: string, offset: number): number {
  if (offset > 0 && src.charCodeAt(offset - 1) === 10) return offset
  const nl = src.indexOf('\n', offset)
  return nl === -1 ? src.length : nl + 1
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9
}

/** The `-` that introduces the item starting at `offset`, over blanks and an anchor or tag; -1 if none. */
function dashBefore(src: string, offset: number): number {
  let i = offset - 1
  for (let props = 0; props < 3; props++) {
    while (i >= 0 && isSpace(src.charCodeAt(i))) i--
    if (src.charCodeAt(i) === 45 && (i + 1 >= src.length || isSpace(src.charCodeAt(i + 1)))) return i
    let j = i
    while (j >= 0 && !isSpace(src.charCodeAt(j))) j--
    const c = src.charCodeAt(j + 1)
    if (c !== 38 /* & */ && c !== 33 /* ! */) return -1
    i = j
  }
  return -1
}

/** Like the yaml library's maxAliasCount: a few aliases are fine, a billion laughs is not. */
function checkWeight(state: State, node: TNode, weight: number): TNode {
  state.weights.set(node, weight)
  if (weight > 100_000 + 20 * state.src.length) throw new AliasError('aliases expand this document to far more than its text (excessive aliasing)')
  return node
}

function convert(node: YNode | null | undefined, state: State): TNode | null {
  const t = convertNode(node, state)
  if (t !== null && node !== null && node !== undefined) state.converted.set(node, t)
  return t
}

function weightOf(state: State, node: TNode | null): number {
  return node === null ? 1 : (state.weights.get(node) ?? 1)
}

function convertNode(node: YNode | null | undefined, state: State): TNode | null {
  const {src} = state
  if (node === null || node === undefined) return null
  const {isAlias, isMap, isPair, isScalar, isSeq} = yaml()
  const range = node.range ?? [0, 0, 0]
  if (isAlias(node)) {
    const resolved = node.resolve(state.doc)
    if (resolved === undefined) throw new AliasError(`alias *${node.source} has no anchor &${node.source} before it in its document`, src, range[0])
    const target = state.converted.get(resolved)
    if (target === undefined) throw new AliasError(`alias *${node.source} refers to a node that contains it`, src, range[0])
    const alias: TScalar = {type: 'scalar', start: range[0], end: range[1], value: undefined, style: 'alias', target}
    state.aliases.push(alias)
    return checkWeight(state, alias, weightOf(state, target))
  }
  if (isScalar(node)) {
    if (node.value === null && range[0] === range[1]) return null
    const style = node.type === 'QUOTE_DOUBLE' ? 'double' : node.type === 'QUOTE_SINGLE' ? 'single' : node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'block' : 'plain'
    return {type: 'scalar', start: range[0], end: range[1], value: node.value, style}
  }
  if (isMap(node)) {
    const flow = Boolean(node.flow)
    const first = node.items[0]?.key as YNode | undefined
    const firstStart = first?.range?.[0] ?? range[0]
    const map: TMap = {type: 'map', flow, start: range[0], end: range[1], indent: firstStart - lineStartOf(src, firstStart), pairs: []}
    let weight = 1
    for (const pair of node.items) {
      if (!isPair(pair)) continue
      const key = pair.key as YNode | null
      if (!isScalar(key)) {
        state.opaque = true
        continue
      }
      // With the merge option the yaml library gives merge keys a symbol.
      const merge = typeof key.value === 'symbol'
      const keyText = merge ? '<<' : String(key.value)
      const keyStart = key.range?.[0] ?? range[0]
      const value = convert(pair.value as YNode | null, state)
      weight += weightOf(state, value)
      const valueEnd = (pair.value as YNode | null)?.range?.[1] ?? key.range?.[1] ?? keyStart
      const end = flow ? valueEnd : endOfLine(src, valueEnd)
      const lineStart = !flow && onlySpacesBefore(src, keyStart) ? lineStartOf(src, keyStart) : keyStart
      const tpair: TPair = {key: keyText, keyStart, lineStart, end, value}
      if (merge) {
        tpair.merge = true
        map.merges = true
        state.merges = true
      }
      map.pairs.push(tpair)
    }
    if (!flow && map.pairs.length > 0) map.end = map.pairs[map.pairs.length - 1]!.end
    return checkWeight(state, map, weight)
  }
  if (isSeq(node)) {
    const flow = Boolean(node.flow)
    const seq: TSeq = {type: 'seq', flow, start: range[0], end: range[1], indent: range[0] - lineStartOf(src, range[0]), items: []}
    let weight = 1
    for (const itemNode of node.items) {
      const item = itemNode as YNode | null
      const value = convert(item, state)
      weight += weightOf(state, value)
      const itemStart = item?.range?.[0] ?? range[0]
      const itemEnd = item?.range?.[1] ?? itemStart
      let start = itemStart
      if (!flow) {
        const dash = dashBefore(src, itemStart)
        if (dash !== -1) start = dash
      }
      const lineStart = !flow && onlySpacesBefore(src, start) ? lineStartOf(src, start) : start
      const titem: TItem = {start, lineStart, end: flow ? itemEnd : endOfLine(src, itemEnd), value}
      seq.items.push(titem)
    }
    if (!flow && seq.items.length > 0) seq.end = seq.items[seq.items.length - 1]!.end
    return checkWeight(state, seq, weight)
  }
  state.opaque = true
  return null
}
