// Builds the light tree (tree.ts) from a yaml library Document, for documents the fast scanner
// declined. Node ranges from yaml become the same offsets the scanner records, so one editor
// serves both. Aliases and merge keys cannot be edited as text: they are marked, and the engine
// then edits the Document itself.
import {isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YNode} from 'yaml'

import type {TItem, TMap, TNode, TPair, TSeq} from './tree.js'

export interface FromYaml {
  root: TNode | null
  /** True when the tree has aliases or merge keys: text edits are unsafe, use the Document. */
  aliased: boolean
}

export function treeFromYaml(doc: Document, src: string): FromYaml {
  const state = {aliased: false}
  const root = convert(doc.contents, src, doc, state)
  return {root, aliased: state.aliased}
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

function convert(node: YNode | null | undefined, src: string, doc: Document, state: {aliased: boolean}): TNode | null {
  if (node === null || node === undefined) return null
  const range = node.range ?? [0, 0, 0]
  if (isAlias(node)) {
    state.aliased = true
    return {type: 'scalar', start: range[0], end: range[1], value: node.resolve(doc)?.toJSON(), style: 'alias'}
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
    for (const pair of node.items) {
      if (!isPair(pair)) continue
      const key = pair.key as YNode | null
      if (!isScalar(key)) {
        state.aliased = true
        continue
      }
      const keyText = String(key.value)
      if (keyText === '<<') state.aliased = true
      const keyStart = key.range?.[0] ?? range[0]
      const value = convert(pair.value as YNode | null, src, doc, state)
      const valueEnd = (pair.value as YNode | null)?.range?.[1] ?? key.range?.[1] ?? keyStart
      const end = flow ? valueEnd : endOfLine(src, valueEnd)
      const lineStart = !flow && onlySpacesBefore(src, keyStart) ? lineStartOf(src, keyStart) : keyStart
      const tpair: TPair = {key: keyText, keyStart, lineStart, end, value}
      map.pairs.push(tpair)
    }
    if (!flow && map.pairs.length > 0) map.end = map.pairs[map.pairs.length - 1]!.end
    return map
  }
  if (isSeq(node)) {
    const flow = Boolean(node.flow)
    const seq: TSeq = {type: 'seq', flow, start: range[0], end: range[1], indent: range[0] - lineStartOf(src, range[0]), items: []}
    for (const itemNode of node.items) {
      const item = itemNode as YNode | null
      const value = convert(item, src, doc, state)
      const itemStart = item?.range?.[0] ?? range[0]
      const itemEnd = item?.range?.[1] ?? itemStart
      let start = itemStart
      if (!flow) {
        // Walk back to the `-` that introduces this item.
        let i = itemStart - 1
        while (i >= 0 && (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 10)) i--
        if (src.charCodeAt(i) === 45) start = i
      }
      const lineStart = !flow && onlySpacesBefore(src, start) ? lineStartOf(src, start) : start
      const titem: TItem = {start, lineStart, end: flow ? itemEnd : endOfLine(src, itemEnd), value}
      seq.items.push(titem)
    }
    if (!flow && seq.items.length > 0) seq.end = seq.items[seq.items.length - 1]!.end
    return seq
  }
  state.aliased = true
  return null
}
