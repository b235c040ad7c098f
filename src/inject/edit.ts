// Edits one YAML document in place. Every operation becomes a text splice at node offsets, so
// comments, quoting, key order, flow style and block scalars outside the edited spot survive
// byte for byte. After each splice the document is re-read (fast scanner, else yaml), so
// operations always see the current structure. Anchors, aliases and merge keys are edited as text
// too (unshare.ts writes out an alias only where an edit would go through it or change what it
// reads). Documents with non-scalar keys get the DocumentEditor, which edits the yaml Document.
import type {Document} from 'yaml'

import {yaml} from '../util/yaml.js'
import {treeFromYaml} from './from-yaml.js'
import {lineEndAfter, lineEndInserted, lineStartOf} from './lines.js'
import {isInlineValue, renderBlock, renderEntry, renderInlineAny, renderItem, renderKey, type Style} from './render.js'
import {scanDocument} from './scan.js'
import {nodeAt, toJS, type TMap, type TNode, type TScalar, type TSeq} from './tree.js'
import type {Path} from './types.js'
import {planUnshare, type EditKind} from './unshare.js'

export interface TreeEditor {
  /** The document text as edited so far. */
  readonly text: string
  /** Whether any operation changed the text. */
  readonly changed: boolean
  /** Plain JS value at `path` ([] = the whole document), undefined when absent. */
  get(path: Path): unknown
  /** Sets the value at `path`, creating missing parent maps. Equal values are left untouched. */
  set(path: Path, value: unknown): void
  /**
   * Deletes the map key or sequence item at `path`. When this empties its collection, the
   * collection's own key is deleted too, up to `prune` levels. Returns whether anything was removed.
   */
  delete(path: Path, prune?: number): boolean
  /** Inserts items into the sequence at `path` before `index` (-1 = append), creating the sequence. */
  insert(path: Path, index: number, values: unknown[]): void
  /**
   * Runs `edits` with the document re-read once instead of after every splice where that gives the
   * same text (edits at separate places); the result is as if each edit ran on its own.
   */
  batch(edits: () => void): void
}

/** Thrown inside a batch when an edit needs the document re-read first (it runs again, alone). */
class NeedsReread extends Error {}
const NEEDS_REREAD = new NeedsReread('edit needs the document re-read')

interface Splice {
  start: number
  end: number
  text: string
  /** The block map new pairs are appended to (at its end), and their keys. */
  appendsTo?: TMap
  keys?: Set<string>
  /** In an edit's record: an earlier append to the same map, that this one extends. */
  extends?: Splice
}

export class EditError extends Error {}

export interface Parsed {
  root: TNode | null
  /** Every alias (merge keys' included), in document order. */
  aliases: readonly TScalar[]
  /** Aliases or merge keys: edits are planned with unshare.ts first. */
  shared: boolean
  /** Non-scalar keys: the text cannot be edited by splices. */
  opaque: boolean
  doc?: Document
}

/** As kubectl (YAML 1.1 through Go) reads manifests: merge keys are merged. */
const PARSE_OPTIONS = {keepSourceTokens: false, uniqueKeys: true, merge: true} as const

/** Reads a document's text into the light tree; throws the yaml library's first error. */
export function readTree(text: string): Parsed {
  const fast = scanDocument(text)
  if (fast) return {root: fast.root, aliases: [], shared: false, opaque: false}
  const doc = yaml().parseDocument(text, PARSE_OPTIONS)
  if (doc.errors.length > 0) throw doc.errors[0]!
  const tree = treeFromYaml(doc, text)
  return {root: tree.root, aliases: tree.aliases, shared: tree.aliases.length > 0 || tree.merges, opaque: tree.opaque, doc}
}

/** The plain JS value of a parsed document. */
export function valueOf(parsed: Parsed): unknown {
  return parsed.opaque && parsed.doc ? parsed.doc.toJS({maxAliasCount: -1}) : toJS(parsed.root)
}

/** The editor for a document: text splices when possible, the yaml Document otherwise. */
export function editorFor(text: string, parsed: Parsed = readTree(text)): TreeEditor {
  // A Document of its own: edits must not change the one the caller may still read.
  if (parsed.opaque) return new DocumentEditor(yaml().parseDocument(text, PARSE_OPTIONS))
  return new TextEditor(text, parsed)
}

function detectStyle(text: string, root: TNode | null): Style {
  const style: Style = {step: 2, indentSeq: false, json: false}
  if (root !== null && root.type !== 'scalar' && root.flow) {
    style.json = /^\s*[[{]\s*"/.test(text.replace(/^---.*\n/, '')) || text.trimStart().startsWith('{"')
    style.compact = !/[:,] /.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'))
    return style
  }
  let foundSeq = false
  let foundStep = false
  const visit = (node: TNode | null): void => {
    if (node === null || node.type === 'scalar' || node.flow || (foundSeq && foundStep)) return
    if (node.type === 'map') {
      for (const pair of node.pairs) {
        const v = pair.value
        if (v !== null && v.type === 'seq' && !v.flow && !foundSeq) {
          style.indentSeq = v.indent > node.indent
          foundSeq = true
        }
        if (v !== null && v.type === 'map' && !v.flow && !foundStep && v.indent > node.indent) {
          style.step = v.indent - node.indent
          foundStep = true
        }
        visit(v)
      }
    } else {
      for (const item of node.items) visit(item.value)
    }
  }
  visit(root)
  return style
}

class TextEditor implements TreeEditor {
  changed = false
  private cachedStyle: Style | undefined

  private stale = false
  private readonly crlf: boolean
  /** In a batch: splices against the current text, applied together by flush(). */
  private pending: Splice[] | undefined
  /** While an edit records into the batch: its splice (at most one). */
  private recording: Splice[] | undefined
  /** An edit re-running on its own after NEEDS_REREAD: every splice applies at once. */
  private alone = false
  private current: TNode | null
  private aliases: readonly TScalar[]
  /** The document has aliases or merge keys (it may have none left after edits). */
  private readonly shared: boolean
  /** A document without a final newline gets none from an edit at its end. */
  private readonly finalNewline: boolean

  constructor(
    public text: string,
    parsed: Parsed,
  ) {
    this.current = parsed.root
    this.aliases = parsed.aliases
    this.shared = parsed.shared
    this.crlf = text.includes('\r\n')
    this.finalNewline = text === '' || text.endsWith('\n')
  }

  /** The tree of the current text; re-read lazily after splices. */
  private get root(): TNode | null {
    if (this.stale) {
      const parsed = readTree(this.text)
      if (parsed.opaque) throw new EditError('edit produced a document with non-scalar keys')
      this.current = parsed.root
      this.aliases = parsed.aliases
      this.stale = false
    }
    return this.current
  }

  /** Writes out the aliases an edit at `path` must not go through or change (see unshare.ts). */
  private unshare(path: Path, kind: EditKind): void {
    for (let step = 0; ; step++) {
      const plan = planUnshare({text: this.text, root: this.root, aliases: this.aliases, style: this.style}, path, kind)
      if (plan === undefined) return
      if (step > 10_000) throw new EditError('aliases could not be written out')
      this.splice(plan.start, plan.end, plan.text)
    }
  }

  /** The new text, without a final newline when the document had none and the edit reached its end. */
  private ending(text: string, touchedEnd: boolean): string {
    if (this.finalNewline || !touchedEnd || !text.endsWith('\n')) return text
    return text.slice(0, text.endsWith('\r\n') ? -2 : -1)
  }

  /** The document's own indentation and sequence style, read on first edit. */
  private get style(): Style {
    this.cachedStyle ??= detectStyle(this.text, this.root)
    return this.cachedStyle
  }

  get(path: Path): unknown {
    this.flush()
    const node = nodeAt(this.root, path)
    return node === undefined ? undefined : toJS(node)
  }

  batch(edits: () => void): void {
    // With aliases every edit may first write one out: each re-reads the document anyway.
    if (this.pending !== undefined || this.shared) return edits()
    this.pending = []
    try {
      edits()
    } finally {
      this.flush()
      this.pending = undefined
    }
  }

  /**
   * Runs one edit. In a batch, an edit whose single splice touches no earlier one is recorded
   * against the current text (the same text it would give alone: separate spots do not move each
   * other's structure); any other edit re-reads the document and runs on its own.
   */
  private edit<T>(run: () => T): T {
    if (this.pending === undefined || this.recording !== undefined || this.alone) return run()
    this.recording = []
    let result: T
    try {
      result = run()
    } catch (error) {
      this.recording = undefined
      if (error !== NEEDS_REREAD) throw error
      this.flush()
      this.alone = true
      try {
        return run()
      } finally {
        this.alone = false
      }
    }
    for (const splice of this.recording) {
      if (splice.extends) {
        splice.extends.text += splice.text
        for (const key of splice.keys ?? []) splice.extends.keys?.add(key)
      }
      else this.pending.push(splice)
    }
    this.recording = undefined
    return result
  }

  /** Applies the batch's recorded splices (they never touch each other) in one new text. */
  private flush(): void {
    const pending = this.pending
    if (pending === undefined || pending.length === 0) return
    // An edit being recorded was computed against the text before these splices.
    if (this.recording !== undefined) throw NEEDS_REREAD
    pending.sort((a, b) => a.start - b.start)
    let text = ''
    let at = 0
    for (const p of pending) {
      text += this.text.slice(at, p.start) + p.text
      at = p.end
    }
    const touchedEnd = at === this.text.length
    text += this.text.slice(at)
    text = this.ending(text, touchedEnd)
    if (text.length > 0) text.charCodeAt(0)
    this.text = text
    this.changed = true
    this.stale = true
    pending.length = 0
  }

  set(path: Path, value: unknown): void {
    this.edit(() => this.setNow(path, value))
  }

  private setNow(path: Path, value: unknown): void {
    if (path.length === 0) throw new EditError('cannot replace the document root')
    if (this.shared) {
      const current = nodeAt(this.root, path)
      if (current !== undefined && deepEqual(toJS(current), value)) return
      this.unshare(path, 'set')
    }
    const parentPath = path.slice(0, -1)
    const last = path[path.length - 1]!
    const parent = nodeAt(this.root, parentPath)
    if (parent === undefined || parent === null) {
      // Create the missing parent as a map holding just this entry.
      if (typeof last === 'number') throw new EditError(`no sequence at ${parentPath.join('.')}`)
      this.set(parentPath, {[last]: value})
      return
    }
    if (typeof last === 'number') {
      if (parent.type !== 'seq') throw new EditError(`not a sequence at ${parentPath.join('.')}`)
      const item = parent.items[last]
      if (item === undefined) throw new EditError(`no item ${last} at ${parentPath.join('.')}`)
      this.replaceValue(path, item.value, value, parent, item.start)
      return
    }
    if (parent.type !== 'map') throw new EditError(`not a map at ${parentPath.join('.')}`)
    const pair = parent.pairs.find((p) => p.key === last)
    if (pair === undefined) {
      this.addPair(parent, last, value)
      return
    }
    if (deepEqual(toJS(pair.value), value)) return
    this.replaceValue(path, pair.value, value, parent, pair.keyStart)
  }

  delete(path: Path, prune = 0): boolean {
    return this.edit(() => this.deleteNow(path, prune))
  }

  private deleteNow(path: Path, prune: number): boolean {
    if (path.length === 0) throw new EditError('cannot delete the document root')
    if (this.shared) {
      if (nodeAt(this.root, path) === undefined) return false
      this.unshare(path, 'delete')
    }
    const parentPath = path.slice(0, -1)
    const last = path[path.length - 1]!
    const parent = nodeAt(this.root, parentPath)
    if (parent === undefined || parent === null || parent.type === 'scalar') return false
    const size = parent.type === 'map' ? parent.pairs.length : parent.items.length
    const index = parent.type === 'map' ? parent.pairs.findIndex((p) => p.key === last) : typeof last === 'number' && last < size ? last : -1
    if (index === -1 || (parent.type === 'map') !== (typeof last === 'string')) return false
    const grand = parentPath.length > 0 ? nodeAt(this.root, parentPath.slice(0, -1)) : undefined
    // An emptied collection goes too, unless its author wrote it empty: a flow `{}` or `[]` in a
    // block document (inject writes blocks there) stays as it was.
    const authorsFlow = parent.flow && !this.style.json && grand !== undefined && grand !== null && grand.type !== 'scalar' && !grand.flow
    if (size === 1 && prune > 0 && parentPath.length > 0 && typeof parentPath[parentPath.length - 1] === 'string' && !authorsFlow) {
      return this.delete(parentPath, prune - 1)
    }
    const parentKey = parentPath[parentPath.length - 1]
    const keyStart = grand?.type === 'map' && typeof parentKey === 'string' ? grand.pairs.find((p) => p.key === parentKey)?.keyStart : undefined
    this.removeEntry(parent, index, keyStart)
    return true
  }

  insert(path: Path, index: number, values: unknown[]): void {
    this.edit(() => this.insertNow(path, index, values))
  }

  private insertNow(path: Path, index: number, values: unknown[]): void {
    if (values.length === 0) return
    if (this.shared) this.unshare(path, 'insert')
    const seq = nodeAt(this.root, path)
    if (seq === undefined || seq === null) {
      this.set(path, values)
      return
    }
    if (seq.type !== 'seq') throw new EditError(`not a sequence at ${path.join('.')}`)
    const at = index < 0 || index >= seq.items.length ? seq.items.length : index
    if (seq.flow || this.style.json) {
      const parts = values.map((v) => renderInlineAny(v, this.style))
      if (seq.items.length === 0) return this.splice(seq.start + 1, seq.start + 1, parts.join(', '))
      if (at === seq.items.length) return this.splice(seq.items[at - 1]!.end, seq.items[at - 1]!.end, ', ' + parts.join(', '))
      return this.splice(seq.items[at]!.start, seq.items[at]!.start, parts.join(', ') + ', ')
    }
    const text = values.map((v) => renderItem(v, seq.indent, this.style)).join('')
    if (at < seq.items.length) {
      const item = seq.items[at]!
      if (item.lineStart !== lineStartOf(this.text, item.start)) throw new EditError('cannot insert before a compact sequence item')
      return this.splice(item.lineStart, item.lineStart, text)
    }
    this.splice(seq.end, seq.end, text)
  }

  // ---- splices -------------------------------------------------------------------------------

  private splice(start: number, end: number, text: string, appendsTo?: {map: TMap; key: string}): void {
    if (this.recording !== undefined && appendsTo !== undefined) {
      // Pairs appended to the same map one after another: alone, each would land after the
      // previous one (the map ends after it), so one splice with both texts is the same.
      const earlier = this.pending!.find((p) => p.appendsTo === appendsTo.map && p.start === start && p.end === end)
      if (earlier !== undefined && earlier.text.endsWith('\n') && this.recording.length === 0) {
        // The same key again means the edit expected the first one to exist by now.
        if (earlier.keys!.has(appendsTo.key)) throw NEEDS_REREAD
        if (this.pending!.some((p) => p !== earlier && start <= p.end && end >= p.start)) throw NEEDS_REREAD
        this.recording.push({start, end, text: this.crlf ? text.replace(/\r?\n/g, '\r\n') : text, extends: earlier, keys: new Set([appendsTo.key])})
        return
      }
    }
    // Appending lines after a last line that has no newline.
    let insert = start === this.text.length && start > 0 && this.text[start - 1] !== '\n' && text.endsWith('\n') ? '\n' + text : text
    // Documents with Windows line endings get them in the new lines too.
    if (this.crlf) insert = insert.replace(/\r?\n/g, '\r\n')
    // Rendered text is a tree of concatenations; reading a character makes V8 flatten it, so
    // thousands of edited documents do not keep thousands of small string trees alive.
    if (insert.length > 0) insert.charCodeAt(0)
    if (this.recording !== undefined) {
      const pending = this.pending!
      // A second splice needs the text after the first; a touching one may see a structure the
      // earlier splice changed: both re-read and run alone.
      if (this.recording.length > 0 || pending.some((p) => start <= p.end && end >= p.start)) throw NEEDS_REREAD
      this.recording.push(appendsTo === undefined ? {start, end, text: insert} : {start, end, text: insert, appendsTo: appendsTo.map, keys: new Set([appendsTo.key])})
      return
    }
    this.flush()
    this.text = this.ending(this.text.slice(0, start) + insert + this.text.slice(end), end === this.text.length)
    this.changed = true
    this.stale = true
  }

  private addPair(map: TMap, key: string, value: unknown): void {
    if (map.flow || this.style.json) {
      const space = this.style.compact ? '' : ' '
      const entry = `${renderKey(key, this.style)}:${space}${renderInlineAny(value, this.style)}`
      if (map.pairs.length === 0) return this.splice(map.start + 1, map.start + 1, entry)
      const lastPair = map.pairs[map.pairs.length - 1]!
      return this.splice(lastPair.end, lastPair.end, `,${space}${entry}`)
    }
    // A new `metadata` goes first, where Kubernetes manifests keep it; other keys go last.
    const first = map.pairs[0]
    if (key === 'metadata' && first !== undefined && first.lineStart === lineStartOf(this.text, first.lineStart)) {
      return this.splice(first.lineStart, first.lineStart, renderEntry(key, value, map.indent, this.style))
    }
    this.splice(map.end, map.end, renderEntry(key, value, map.indent, this.style), {map, key})
  }

  private replaceValue(path: Path, node: TNode | null, value: unknown, parent: TMap | TSeq, keyStart: number): void {
    const inlineParent = parent.flow || this.style.json
    if (node !== null && node.type === 'scalar' && node.style === 'block') {
      // Remove the block scalar (header and content), then set the new value on the bare key.
      this.splice(this.colonBefore(node.start) + 1, Math.max(node.end, lineEndInserted(this.text, node.start)), '\n')
      this.set(path, value)
      return
    }
    if (node !== null && (node.type === 'scalar' || node.flow)) {
      if (inlineParent || isInlineValue(value)) return this.splice(node.start, node.end, renderInlineAny(value, this.style))
      // An inline value becomes a block: drop the inline text, then add the block below the key.
      this.splice(this.colonBefore(node.start) + 1, node.end, '')
      this.set(path, value)
      return
    }
    if (node === null) {
      const keyLineEnd = lineEndAfter(this.text, keyStart)
      if (inlineParent || isInlineValue(value)) {
        const colon = this.text.lastIndexOf(':', commentStart(this.text, keyStart, keyLineEnd))
        return this.splice(colon + 1, colon + 1, ' ' + renderInlineAny(value, this.style))
      }
      const childIndent = parent.type === 'map' ? parent.indent + this.style.step : parent.indent + 2
      const indent = Array.isArray(value) && !this.style.indentSeq && parent.type === 'map' ? parent.indent : childIndent
      const at = keyLineEnd < this.text.length ? keyLineEnd + 1 : keyLineEnd
      return this.splice(at, at, renderBlock(value, indent, this.style))
    }
    // A block collection replaced as a whole: remove its lines, then set the value on the bare key.
    const start = lineStartOf(this.text, node.start)
    if (this.text.slice(start, node.start).trim() !== '') throw new EditError('cannot replace a compact collection as text')
    this.splice(start, node.end, '')
    this.set(path, value)
  }

  private colonBefore(offset: number): number {
    const colon = this.text.lastIndexOf(':', offset)
    if (colon === -1) throw new EditError('no key before value')
    return colon
  }

  private removeEntry(parent: TMap | TSeq, index: number, parentKeyStart: number | undefined): void {
    const entries: Array<{start: number; lineStart: number; end: number}> =
      parent.type === 'map' ? parent.pairs.map((p) => ({start: p.keyStart, lineStart: p.lineStart, end: p.end})) : parent.items
    const entry = entries[index]!
    if (parent.flow || this.style.json) {
      if (entries.length === 1) return this.splice(parent.start + 1, parent.end - 1, '')
      if (index < entries.length - 1) return this.splice(entry.start, entries[index + 1]!.start, '')
      return this.splice(entries[index - 1]!.end, entry.end, '')
    }
    const ownLine = entry.lineStart === lineStartOf(this.text, entry.lineStart)
    const empty = parent.type === 'map' ? '{}' : '[]'
    if (ownLine) {
      if (entries.length > 1) return this.splice(entry.lineStart, entry.end, '')
      // The collection becomes empty: leave an explicit empty collection on its key.
      if (parentKeyStart === undefined) throw new EditError('cannot empty the document root')
      this.splice(entry.lineStart, entry.end, '')
      const colon = this.text.indexOf(':', parentKeyStart)
      return this.splice(colon + 1, colon + 1, ' ' + empty)
    }
    // The first key of a `- key: v` item: pull the next key up onto the dash line.
    if (parent.type === 'map' && index === 0) {
      if (entries.length > 1) return this.splice(entry.start, entries[1]!.start, '')
      return this.splice(entry.start, entry.end, empty + '\n')
    }
    throw new EditError('cannot remove this entry as text')
  }
}

/** Start of a trailing comment on the line [from, lineEnd), or lineEnd. */
function commentStart(text: string, from: number, lineEnd: number): number {
  const hash = text.indexOf(' #', from)
  return hash === -1 || hash > lineEnd ? lineEnd : hash
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return Number.isNaN(a) && Number.isNaN(b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b as object)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/** Edits the yaml Document directly (for aliases and the like); loses some formatting. */
class DocumentEditor implements TreeEditor {
  changed = false

  constructor(private readonly doc: Document) {}

  get text(): string {
    return this.doc.toString({lineWidth: 0, flowCollectionPadding: false})
  }

  /** Edits of a Document are cheap on their own: nothing to defer. */
  batch(edits: () => void): void {
    edits()
  }

  get(path: Path): unknown {
    if (path.length === 0) return this.doc.toJS({maxAliasCount: -1})
    const node = this.doc.getIn(path, true)
    if (node === undefined) return this.doc.hasIn(path) ? null : undefined
    return yaml().isCollection(node) || (typeof node === 'object' && node !== null && 'toJSON' in node) ? (node as {toJSON(): unknown}).toJSON() : node
  }

  set(path: Path, value: unknown): void {
    if (deepEqual(this.get(path), value)) return
    this.doc.setIn(path, this.doc.createNode(value))
    this.changed = true
  }

  delete(path: Path, prune = 0): boolean {
    if (!this.doc.hasIn(path)) return false
    const parentPath = path.slice(0, -1)
    const parent = this.doc.getIn(parentPath, true)
    if ((yaml().isMap(parent) || yaml().isSeq(parent)) && parent.items.length === 1 && prune > 0 && parentPath.length > 0 && typeof parentPath[parentPath.length - 1] === 'string') {
      return this.delete(parentPath, prune - 1)
    }
    this.doc.deleteIn(path)
    this.changed = true
    return true
  }

  insert(path: Path, index: number, values: unknown[]): void {
    if (values.length === 0) return
    const seq = this.doc.getIn(path, true)
    if (!yaml().isSeq(seq)) {
      this.doc.setIn(path, this.doc.createNode(values))
    } else {
      const at = index < 0 || index > seq.items.length ? seq.items.length : index
      seq.items.splice(at, 0, ...values.map((v) => this.doc.createNode(v)))
    }
    this.changed = true
  }
}
