// Edits in documents that use anchors, aliases and merge keys. A splice is made wherever the
// edited spot is the document's own text; only where an edit would go through an alias, or
// change (or remove) a node that an alias elsewhere reads, is that alias written out first, with
// the value it has now: every other place keeps its bytes and its meaning. This module plans
// those write-outs one splice at a time; the editor applies each and re-reads the document.
import {lineEndAfter, lineStartOf} from './lines.js'
import {isInlineValue, renderBlock, renderEntry, renderInlineAny, renderItem, type Style} from './render.js'
import {getPair, lookup, mergeSources, toJS, type TMap, type TNode, type TScalar, type TSeq} from './tree.js'
import type {Path} from './types.js'

export interface PlannedSplice {
  start: number
  end: number
  text: string
}

export interface Shared {
  text: string
  root: TNode | null
  /** Every alias of the document (merge keys' included). */
  aliases: readonly TScalar[]
  style: Style
}

/**
 * What an edit does at `path`: `set` and `delete` change the collection holding the last step
 * (and replace or remove the node there), `insert` changes the sequence at `path` itself.
 */
export type EditKind = 'set' | 'delete' | 'insert'

/** The next splice that makes the edit safe, or undefined when it can be spliced as it is. */
export function planUnshare(doc: Shared, path: Path, kind: EditKind): PlannedSplice | undefined {
  const into = kind === 'insert' ? path.length : path.length - 1
  // The collections the edit goes into, from the root: each must be the document's own.
  const chain: Array<TMap | TSeq> = []
  let node: TNode | null = doc.root
  let i = 0
  for (; i < into && node !== null && node.type !== 'scalar'; i++) {
    chain.push(node)
    const step = path[i]!
    let child: TNode | null | undefined
    if (node.type === 'map') {
      child = typeof step === 'string' ? getPair(node, step)?.value : undefined
      // A key only a merge brings in: the map gets its own copies of the merged keys.
      if (child === undefined && typeof step === 'string' && node.merges === true && lookup(node, step) !== undefined) return unmerge(doc, node)
    } else {
      child = typeof step === 'number' ? node.items[step]?.value : undefined
    }
    if (child === undefined) break
    if (child !== null && child.type === 'scalar' && child.style === 'alias') return writeOut(doc, child)
    node = child
  }
  if (i === into && node !== null && node.type !== 'scalar') chain.push(node)
  // The node the edit replaces or removes (a deleted key that only a merge brings in needs the merge written out).
  let removed: TNode | null | undefined
  const parent = chain.length === into + 1 ? chain[into] : undefined
  if (kind !== 'insert' && parent !== undefined) {
    const last = path[path.length - 1]!
    if (parent.type === 'map' && typeof last === 'string') {
      removed = getPair(parent, last)?.value
      if (removed === undefined && kind === 'delete' && parent.merges === true && lookup(parent, last) !== undefined) return unmerge(doc, parent)
    } else if (parent.type === 'seq' && typeof last === 'number') {
      removed = parent.items[last]?.value
    }
  }
  for (const alias of doc.aliases) {
    const target = alias.target!
    const changes = chain.includes(target as TMap | TSeq)
    const loses = removed !== undefined && removed !== null && within(target, removed) && !within(alias, removed)
    if (changes || loses) return writeOut(doc, alias)
  }
  return undefined
}

function within(node: TNode, outer: TNode): boolean {
  return node.start >= outer.start && node.end <= outer.end
}

interface Owner {
  parent: TMap | TSeq
  index: number
}

/** The collection holding `node` and its position there. */
function ownerOf(root: TNode | null, node: TNode): Owner | undefined {
  if (root === null || root.type === 'scalar') return undefined
  const children = root.type === 'map' ? root.pairs.map((p) => p.value) : root.items.map((i) => i.value)
  for (let index = 0; index < children.length; index++) {
    const child = children[index]!
    if (child === node) return {parent: root, index}
    if (child !== null && node.start >= child.start && node.end <= child.end) {
      const found = ownerOf(child, node)
      if (found !== undefined) return found
    }
  }
  // Block nodes' ranges can stop short of their last line: search every child before giving up.
  for (const child of children) {
    const found = child === null ? undefined : ownerOf(child, node)
    if (found !== undefined) return found
  }
  return undefined
}

/** Replaces an alias by the value it stands for, in the style of the place it is in. */
function writeOut(doc: Shared, alias: TScalar): PlannedSplice {
  const {text, style} = doc
  const owner = ownerOf(doc.root, alias)
  if (owner === undefined) throw new Error('alias not found in its document')
  const value = toJS(alias)
  const {parent} = owner
  const inline = {start: alias.start, end: alias.end, text: renderInlineAny(value, style)}
  if (parent.flow || style.json || isInlineValue(value)) return inline
  if (parent.type === 'seq') {
    const item = parent.items[owner.index]!
    // `- *a` on its own line becomes the item written out; anything else stays on its line.
    if (item.lineStart !== lineStartOf(text, item.start) || item.start !== lineStartOf(text, item.start) + parent.indent) return inline
    return {start: item.lineStart, end: item.end, text: renderItem(value, parent.indent, style)}
  }
  // `key: *a  # note` -> `key:  # note` with the value as a block below.
  const lineEnd = lineEndAfter(text, alias.end)
  if (text.slice(alias.end, lineEnd).trim() !== '' && !text.slice(alias.end, lineEnd).trimStart().startsWith('#')) return inline
  const note = text.slice(alias.end, lineEnd).trimEnd()
  const childIndent = Array.isArray(value) && !style.indentSeq ? parent.indent : parent.indent + style.step
  const end = lineEnd < text.length ? lineEnd + 1 : lineEnd
  let start = alias.start
  while (start > 0 && text[start - 1] === ' ') start--
  return {start, end, text: `${note}\n${renderBlock(value, childIndent, style)}`}
}

/** Replaces a map's merge keys by the entries they bring in that the map does not have itself. */
function unmerge(doc: Shared, map: TMap): PlannedSplice {
  const {text, style} = doc
  const own = new Set(map.pairs.filter((p) => p.merge !== true).map((p) => p.key))
  const merged: Array<[string, unknown]> = []
  const seen = new Set<string>()
  for (const source of mergeSources(map)) {
    for (const [key, value] of Object.entries(toJS(source) as Record<string, unknown>)) {
      if (own.has(key) || seen.has(key)) continue
      seen.add(key)
      merged.push([key, value])
    }
  }
  // The first merge key takes them all: the others then bring nothing the map lacks.
  const pair = map.pairs.find((p) => p.merge === true)!
  if (merged.length === 0) return {start: pair.value!.start, end: pair.value!.end, text: '{}'}
  if (map.flow || style.json) {
    return {start: pair.keyStart, end: pair.end, text: merged.map(([key, value]) => `${renderInlineAny(key, style)}: ${renderInlineAny(value, style)}`).join(', ')}
  }
  let block = merged.map(([key, value]) => renderEntry(key, value, map.indent, style)).join('')
  // The first key of a `- <<: *a` item starts mid-line: its first line has no indentation of its own.
  if (pair.lineStart !== lineStartOf(text, pair.lineStart)) block = block.slice(map.indent)
  return {start: pair.lineStart, end: pair.end, text: block}
}
