// Fast scanner for the block-style YAML that Kubernetes manifests are written in. Parsing every
// document with the yaml library costs more than kubectl's whole run, so each document is first
// read by this line scanner. It accepts only a conservative subset (block maps and sequences,
// single-line plain/quoted scalars and flow collections, block scalars, comments) and returns
// undefined for anything else (anchors, tags, multi-line flow or plain scalars, tabs, duplicate
// keys, odd indentation, ...); the caller then parses with the yaml library, which also produces
// the error message when the text is invalid. So: accepted text is valid YAML read as yaml reads it.
import {scalarValue, UNRESOLVED, type TItem, type TMap, type TNode, type TPair, type TScalar, type TSeq} from './tree.js'

class Unsupported extends Error {}

const SPACE = 32
const NL = 10
const HASH = 35

function bail(): never {
  throw new Unsupported()
}

/** Parses one document's text (which may start with its `---` line). Undefined = use the yaml library. */
export function scanDocument(src: string): {root: TNode | null} | undefined {
  if (src.includes('\r') || src.includes('\t')) return undefined
  try {
    return new Scanner(src).document()
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}

class Scanner {
  /** Where the last parsed node ended (the next line start for block nodes). */
  private after = 0

  constructor(private readonly src: string) {}

  private done<T>(node: T, after: number): T {
    this.after = after
    return node
  }

  document(): {root: TNode | null} {
    const {src} = this
    // Comments may precede the `---` line (they belong to this document).
    let pos = this.nextContent(0)
    if (pos === -1) return {root: null}
    if (src.startsWith('---', pos)) {
      const end = this.lineEnd(pos)
      const rest = src.slice(pos + 3, end).trim()
      if (pos + 3 < src.length && src.charCodeAt(pos + 3) !== SPACE && src.charCodeAt(pos + 3) !== NL) bail()
      if (rest !== '' && !rest.startsWith('#')) bail()
      pos = end + 1
    }
    const first = this.nextContent(pos)
    if (first === -1) return {root: null}
    const c = src.charCodeAt(first + this.indentOf(first))
    if (c === 37 /* % */) bail()
    const root = this.blockNode(first, this.indentOf(first))
    const after = this.after
    const rest = this.nextContent(after)
    if (rest !== -1) {
      // Only a `...` end marker may follow, then nothing but comments.
      if (!src.startsWith('...', rest) || this.indentOf(rest) !== 0) bail()
      const tail = src.slice(rest + 3, this.lineEnd(rest)).trim()
      if (tail !== '' && !tail.startsWith('#')) bail()
      if (this.nextContent(this.lineEnd(rest) + 1) !== -1) bail()
    }
    return {root}
  }

  // ---- lines ---------------------------------------------------------------------------------

  private lineEnd(pos: number): number {
    const end = this.src.indexOf('\n', pos)
    return end === -1 ? this.src.length : end
  }

  private indentOf(lineStart: number): number {
    const {src} = this
    let i = lineStart
    while (src.charCodeAt(i) === SPACE) i++
    return i - lineStart
  }

  /** Start of the first line at or after `pos` holding content (not blank, not a comment), or -1. */
  private nextContent(pos: number): number {
    const {src} = this
    let p = pos
    while (p < src.length) {
      let i = p
      while (src.charCodeAt(i) === SPACE) i++
      const c = src.charCodeAt(i)
      if (i < src.length && c !== NL && c !== HASH) return p
      const end = src.indexOf('\n', i)
      if (end === -1) return -1
      p = end + 1
    }
    return -1
  }

  private afterLine(lineEnd: number): number {
    return lineEnd < this.src.length ? lineEnd + 1 : lineEnd
  }

  private isSeqIndicator(lineStart: number, indent = this.indentOf(lineStart)): boolean {
    const p = lineStart + indent
    if (this.src.charCodeAt(p) !== 45 /* - */) return false
    const next = this.src.charCodeAt(p + 1)
    return p + 1 >= this.src.length || next === SPACE || next === NL
  }

  // ---- block structure -----------------------------------------------------------------------

  /** A block node whose first line starts at `lineStart` with content at column `indent`. */
  private blockNode(lineStart: number, indent: number): TNode {
    if (this.isSeqIndicator(lineStart, indent)) return this.blockSeq(lineStart, indent)
    const p = lineStart + indent
    if (this.keyAt(p, this.lineEnd(p)) === undefined) bail()
    return this.blockMap(lineStart, indent, p)
  }

  private blockMap(lineStart: number, indent: number, firstKey: number): TMap {
    const {src} = this
    const map: TMap = {type: 'map', flow: false, start: firstKey, end: firstKey, indent, pairs: []}
    let entryLine = lineStart
    let keyPos = firstKey
    for (;;) {
      const pair = this.entry(entryLine, keyPos, indent)
      const after = this.after
      if (hasKey(map, pair.key)) bail()
      map.pairs.push(pair)
      map.end = pair.end
      const next = this.nextContent(after)
      if (next === -1) return this.done(map, after)
      const ind = this.indentOf(next)
      if (ind < indent) return this.done(map, after)
      if (ind > indent || this.isSeqIndicator(next, ind)) bail()
      entryLine = next
      keyPos = next + ind
      if (src.charCodeAt(keyPos) === 46 /* . */ && src.startsWith('...', keyPos) && ind === 0) return this.done(map, after)
    }
  }

  private entry(lineStart: number, keyPos: number, indent: number): TPair {
    const end = this.lineEnd(keyPos)
    const key = this.keyAt(keyPos, end)
    if (key === undefined) bail()
    // The first key of a `- key: v` item starts mid-line; its text starts at the key.
    const ownLine = this.indentOf(lineStart) === keyPos - lineStart
    const pair: TPair = {key: key.key, keyStart: keyPos, lineStart: ownLine ? lineStart : keyPos, end: 0, value: null}
    const value = this.valueAfter(key.valueStart, end, indent, true)
    const after = this.after
    pair.value = value
    pair.end = after
    return this.done(pair, after)
  }

  /**
   * The value that starts at `p` on a line ending at `end`, belonging to a parent collection at
   * column `indent`. Returns the node and the start of the line after the value.
   */
  private valueAfter(p: number, end: number, indent: number, inMap: boolean): TNode | null {
    const {src} = this
    while (src.charCodeAt(p) === SPACE) p++
    if (p >= end || src.charCodeAt(p) === HASH) {
      const next = this.nextContent(this.afterLine(end))
      if (next !== -1) {
        const ind = this.indentOf(next)
        if (ind > indent) return this.blockNode(next, ind)
        if (inMap && ind === indent && this.isSeqIndicator(next, ind)) return this.blockSeq(next, ind)
      }
      return this.done(null, this.afterLine(end))
    }
    const c = src.charCodeAt(p)
    if (c === 124 /* | */ || c === 62 /* > */) return this.blockScalar(p, end, indent)
    const node = this.inline(p, end, false)
    const after = this.after
    this.expectLineEnd(after, end)
    return this.done(node, this.afterLine(end))
  }

  private blockSeq(lineStart: number, indent: number): TSeq {
    const {src} = this
    const seq: TSeq = {type: 'seq', flow: false, start: lineStart + indent, end: 0, indent, items: []}
    let line = lineStart
    for (;;) {
      const dash = line + indent
      const end = this.lineEnd(dash)
      let p = dash + 1
      while (src.charCodeAt(p) === SPACE) p++
      const item: TItem = {start: dash, lineStart: line, end: 0, value: null}
      let after: number
      if (p < end && src.charCodeAt(p) === 45 && (p + 1 >= end || src.charCodeAt(p + 1) === SPACE)) bail()
      if (p < end && src.charCodeAt(p) !== HASH && this.keyAt(p, end) !== undefined) {
        item.value = this.blockMap(line, p - line, p)
        after = this.after
      } else {
        item.value = this.valueAfter(p, end, indent, false)
        after = this.after
      }
      item.end = after
      seq.items.push(item)
      seq.end = after
      const next = this.nextContent(after)
      if (next === -1) return this.done(seq, after)
      const ind = this.indentOf(next)
      if (ind < indent) return this.done(seq, after)
      if (ind > indent) bail()
      if (!this.isSeqIndicator(next, ind)) return this.done(seq, after)
      line = next
    }
  }

  private blockScalar(p: number, end: number, parentIndent: number): TScalar {
    const {src} = this
    const literal = src.charCodeAt(p) === 124
    let q = p + 1
    let chomp: 'clip' | 'keep' | 'strip' = 'clip'
    if (src[q] === '-' || src[q] === '+') {
      chomp = src[q] === '-' ? 'strip' : 'keep'
      q++
    }
    if (q < end && src.charCodeAt(q) !== SPACE) bail() // indentation indicators and the like
    this.expectLineEnd(q, end)
    // Content: every following line that is empty or indented deeper than the parent.
    const lines: string[] = []
    let contentIndent = -1
    let pos = this.afterLine(end)
    let lastContentEnd = pos
    let maxLeadingBlank = 0
    while (pos < src.length) {
      const lEnd = this.lineEnd(pos)
      const ind = this.indentOf(pos)
      const blank = pos + ind >= lEnd
      if (blank) {
        if (contentIndent === -1) maxLeadingBlank = Math.max(maxLeadingBlank, ind)
        lines.push('')
      } else {
        if (contentIndent === -1) {
          if (ind <= parentIndent) break
          if (maxLeadingBlank > ind) bail()
          contentIndent = ind
        }
        if (ind < contentIndent) {
          if (ind > parentIndent) bail()
          break
        }
        if (ind === 0 && (src.startsWith('---', pos) || src.startsWith('...', pos))) break
        lines.push(src.slice(pos + contentIndent, lEnd))
        lastContentEnd = this.afterLine(lEnd)
      }
      pos = this.afterLine(lEnd)
    }
    // Blank lines after the last content line stay outside the node (they are kept verbatim).
    let contentLines = lines
    while (contentLines.length > 0 && contentLines[contentLines.length - 1] === '') contentLines = contentLines.slice(0, -1)
    const trailingBlank = lines.length - contentLines.length
    const value = blockValue(contentLines, literal, chomp, trailingBlank)
    const node: TScalar = {type: 'scalar', start: p, end: lastContentEnd, value, style: 'block'}
    return this.done(node, contentIndent === -1 ? this.afterLine(end) : lastContentEnd)
  }

  private expectLineEnd(p: number, end: number): void {
    const {src} = this
    if (p >= end) return
    if (src.charCodeAt(p) !== SPACE) bail()
    while (src.charCodeAt(p) === SPACE) p++
    if (p < end && src.charCodeAt(p) !== HASH) bail()
  }

  // ---- keys and inline values ---------------------------------------------------------------

  /** A block mapping key at `p` (`key:` followed by space or end of line). */
  private keyAt(p: number, end: number): {key: string; valueStart: number} | undefined {
    const {src} = this
    const c = src.charCodeAt(p)
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const scalar = c === 34 ? this.doubleQuoted(p, end) : this.singleQuoted(p, end)
      const after = this.after
      if (src.charCodeAt(after) !== 58 /* : */) return undefined
      if (after + 1 < end && src.charCodeAt(after + 1) !== SPACE) return undefined
      return {key: String(scalar.value), valueStart: after + 1}
    }
    if (!plainStart(src, p, end)) return undefined
    // Scan this line only: the key ends at the first `: ` (or `:` at the end of the line).
    for (let i = p; i < end; i++) {
      const ch = src.charCodeAt(i)
      if (ch === HASH && src.charCodeAt(i - 1) === SPACE) return undefined
      if (ch === 58 && (i + 1 >= end || src.charCodeAt(i + 1) === SPACE)) {
        let stop = i
        while (stop > p && src.charCodeAt(stop - 1) === SPACE) stop--
        const key = src.slice(p, stop)
        if (key === '' || key === '<<') return undefined
        return {key, valueStart: i + 1}
      }
    }
    return undefined
  }

  /** A scalar or single-line flow collection at `p`. Returns the node and the offset after it. */
  private inline(p: number, end: number, flow: boolean): TNode {
    const {src} = this
    const c = src.charCodeAt(p)
    if (c === 34) return this.doubleQuoted(p, end)
    if (c === 39) return this.singleQuoted(p, end)
    if (c === 91 /* [ */) return this.flowSeq(p, end)
    if (c === 123 /* { */) return this.flowMap(p, end)
    if (!plainStart(src, p, end)) bail()
    let i = p
    while (i < end) {
      const ch = src.charCodeAt(i)
      if (ch === HASH && src.charCodeAt(i - 1) === SPACE) break
      if (ch === 58 /* : */) {
        const n = src.charCodeAt(i + 1)
        if (i + 1 >= end || n === SPACE) {
          if (flow) break
          bail() // `a: b: c` and `a: b:` are mapping errors
        }
        if (flow && (n === 44 || n === 93 || n === 125)) break
      }
      if (flow && (ch === 44 /* , */ || ch === 91 || ch === 93 || ch === 123 || ch === 125)) break
      i++
    }
    let stop = i
    while (stop > p && src.charCodeAt(stop - 1) === SPACE) stop--
    if (stop === p) bail()
    // Resolved when read: most values of a manifest are never looked at.
    return this.done({type: 'scalar', start: p, end: stop, value: UNRESOLVED, src, style: 'plain'}, stop)
  }

  private doubleQuoted(p: number, end: number): TScalar {
    const {src} = this
    let i = p + 1
    let out = ''
    let from = i
    while (i < end) {
      const ch = src.charCodeAt(i)
      if (ch === 34) {
        out += src.slice(from, i)
        return this.done({type: 'scalar', start: p, end: i + 1, value: out, style: 'double'}, i + 1)
      }
      if (ch === 92 /* \ */) {
        out += src.slice(from, i)
        const [text, len] = unescape(src, i + 1, end)
        out += text
        i += 1 + len
        from = i
        continue
      }
      i++
    }
    bail() // multi-line or unterminated: leave it to the yaml library
  }

  private singleQuoted(p: number, end: number): TScalar {
    const {src} = this
    let i = p + 1
    for (;;) {
      const q = src.indexOf("'", i)
      if (q === -1 || q >= end) bail()
      if (src.charCodeAt(q + 1) === 39) {
        i = q + 2
        continue
      }
      const value = src.slice(p + 1, q).replaceAll("''", "'")
      return this.done({type: 'scalar', start: p, end: q + 1, value, style: 'single'}, q + 1)
    }
  }

  private skipSpaces(p: number): number {
    while (this.src.charCodeAt(p) === SPACE) p++
    return p
  }

  private flowSeq(p: number, end: number): TSeq {
    const {src} = this
    const seq: TSeq = {type: 'seq', flow: true, start: p, end: 0, indent: 0, items: []}
    let i = this.skipSpaces(p + 1)
    if (src.charCodeAt(i) === 93) {
      seq.end = i + 1
      return this.done(seq, i + 1)
    }
    for (;;) {
      if (i >= end) bail()
      const value = this.inline(i, end, true)
      const after = this.after
      seq.items.push({start: i, lineStart: i, end: after, value})
      i = this.skipSpaces(after)
      const ch = src.charCodeAt(i)
      if (i >= end) bail()
      if (ch === 93) {
        seq.end = i + 1
        return this.done(seq, i + 1)
      }
      if (ch !== 44) bail()
      i = this.skipSpaces(i + 1)
      if (src.charCodeAt(i) === 93) bail() // trailing comma: let yaml decide
    }
  }

  private flowMap(p: number, end: number): TMap {
    const {src} = this
    const map: TMap = {type: 'map', flow: true, start: p, end: 0, indent: 0, pairs: []}
    let i = this.skipSpaces(p + 1)
    if (src.charCodeAt(i) === 125) {
      map.end = i + 1
      return this.done(map, i + 1)
    }
    for (;;) {
      if (i >= end) bail()
      const keyStart = i
      const keyNode = this.inline(i, end, true)
      const afterKey = this.after
      if (keyNode.type !== 'scalar' || (keyNode.style === 'plain' && typeof scalarValue(keyNode) !== 'string')) bail()
      const key = keyNode.style === 'plain' ? src.slice(keyNode.start, keyNode.end) : String(keyNode.value)
      if (hasKey(map, key)) bail()
      i = this.skipSpaces(afterKey)
      if (src.charCodeAt(i) !== 58) bail() // keys without values: let yaml decide
      const quoted = keyNode.style !== 'plain'
      if (!quoted && src.charCodeAt(i + 1) !== SPACE) bail()
      i = this.skipSpaces(i + 1)
      let value: TNode | null = null
      let valueEnd = i
      const ch = src.charCodeAt(i)
      if (ch !== 44 && ch !== 125) {
        value = this.inline(i, end, true)
        valueEnd = this.after
      }
      map.pairs.push({key, keyStart, lineStart: keyStart, end: value === null ? valueEnd : value.end, value})
      i = this.skipSpaces(valueEnd)
      if (i >= end) bail()
      const sep = src.charCodeAt(i)
      if (sep === 125) {
        map.end = i + 1
        return this.done(map, i + 1)
      }
      if (sep !== 44) bail()
      i = this.skipSpaces(i + 1)
      if (src.charCodeAt(i) === 125) bail()
    }
  }
}

/** Duplicate keys are an error for yaml (and for Kubernetes): such documents go to the yaml library. */
function hasKey(map: TMap, key: string): boolean {
  const pairs = map.pairs
  for (let i = 0; i < pairs.length; i++) if (pairs[i]!.key === key) return true
  return false
}

/** Can a plain scalar start at `p`? (Not an indicator, except `-?:` followed by a non-space.) */
function plainStart(src: string, p: number, end: number): boolean {
  if (p >= end) return false
  const c = src[p]!
  if ('[]{},#&*!|>\'"%@`'.includes(c)) return false
  if (c === '-' || c === '?' || c === ':') {
    const n = src.charCodeAt(p + 1)
    return p + 1 < end && n !== SPACE
  }
  return true
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
}

function unescape(src: string, p: number, end: number): [string, number] {
  if (p >= end) bail()
  const c = src[p]!
  const simple = SIMPLE_ESCAPES[c]
  if (simple !== undefined) return [simple, 1]
  const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0
  if (width === 0) bail()
  const hex = src.slice(p + 1, p + 1 + width)
  if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) bail()
  return [String.fromCodePoint(Number.parseInt(hex, 16)), 1 + width]
}

function blockValue(lines: string[], literal: boolean, chomp: 'clip' | 'keep' | 'strip', trailingBlank: number): string {
  let body: string
  if (literal) {
    body = lines.join('\n')
  } else {
    // Folding: a line break between two non-empty lines that are not more indented becomes a space.
    body = ''
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      if (i > 0) {
        const prev = lines[i - 1]!
        const fold = prev !== '' && line !== '' && !prev.startsWith(' ') && !line.startsWith(' ')
        body += fold ? ' ' : '\n'
      }
      body += line
    }
  }
  if (lines.length === 0) return chomp === 'keep' ? '\n'.repeat(trailingBlank) : ''
  if (chomp === 'strip') return body
  if (chomp === 'keep') return body + '\n' + '\n'.repeat(trailingBlank)
  return body + '\n'
}
