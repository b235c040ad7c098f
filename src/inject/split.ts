// Splits an input into its documents without parsing them, keeping every byte: the output of an
// unchanged input is the concatenation of its chunks. YAML streams split at `---` lines (the
// marker belongs to the document it opens); JSON streams at the end of each top-level value.
// A byte order mark is a chunk of its own (not a document): kept in the output, never parsed.

export interface Chunk {
  text: string
  /** Offset of the chunk's first character in the input. */
  offset: number
  /** 0-based line of the chunk's first character in the input. */
  line: number
  /** False for text that is not a document (the empty rest after a final `---`). */
  isDoc: boolean
}

const MARKER = /^---(?:[ \t\r\n]|$)/

const BOM = 0xfeff

/** The input's chunks, whatever its format. */
export function chunksOf(text: string, json: boolean): Iterable<Chunk> {
  return withBom(text, (from) => (json ? splitJson(text, from) : yamlChunks(text, from)))
}

/** A leading byte order mark as a chunk of its own, then `chunks(from)` from after it. */
function* withBom(first: string, chunks: (from: number) => Iterable<Chunk>): Generator<Chunk> {
  const bom = first.charCodeAt(0) === BOM ? 1 : 0
  if (bom === 1) yield {text: first.slice(0, 1), offset: 0, line: 0, isDoc: false}
  yield* chunks(bom)
}

export function isJsonText(text: string): boolean {
  return startsJson(text, true) ?? false
}

/** Whether the first character that is not white space opens JSON; undefined when there is none. */
function startsJson(text: string, first: boolean): boolean | undefined {
  // A loop, not a RegExp: V8 copies a 20 MB input before running a regexp over it.
  for (let i = first && text.charCodeAt(0) === BOM ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 9 || c === 10 || c === 13) continue
    return c === 123 || c === 91
  }
  return undefined
}

/**
 * An input's chunks, and whether it is JSON. The text may come in parts (source.ts): a list is
 * emptied as it is read, so each part can be freed once its chunks are done; JSON, rare in
 * huge inputs, is joined first.
 */
export function splitInput(text: string | Iterable<string>): {json: boolean; chunks: Iterable<Chunk>} {
  if (typeof text === 'string') {
    const json = isJsonText(text)
    return {json, chunks: chunksOf(text, json)}
  }
  const parts = Array.isArray(text) ? releasing(text as string[]) : text[Symbol.iterator]()
  // The parts up to the first character that is not white space say which.
  const head: string[] = []
  let json: boolean | undefined
  while (json === undefined) {
    const next = parts.next()
    if (next.done) break
    head.push(next.value)
    json = startsJson(next.value, head.length === 1)
  }
  const all = chain(head, parts)
  if (json === true) return {json, chunks: chunksOf([...all].join(''), true)}
  return {json: false, chunks: withBom(head[0] ?? '', (from) => yamlChunks(all, from))}
}

function* releasing(parts: string[]): Generator<string> {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    parts[i] = ''
    yield part
  }
}

function* chain(head: string[], rest: Iterator<string>): Generator<string> {
  yield* head
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value
}

export function splitYaml(text: string): Chunk[] {
  return [...yamlChunks(text)]
}

/**
 * The chunks of a YAML stream from offset `from`, one at a time. The text may come in parts
 * (source.ts reads large inputs in parts that end at a line end, parts.ts): a chunk inside one
 * part is a slice of it, one across parts is joined; nothing is held for the whole stream but
 * what the caller keeps.
 */
export function* yamlChunks(text: string | Iterable<string>, from = 0): Generator<Chunk> {
  let pending: Chunk | undefined
  // The current chunk: its text in earlier parts, where it starts in the current part, and where
  // in the whole input.
  let before: string[] = []
  let start = from
  let offset = from
  let startLine = 0
  let base = 0
  let line = 0
  const take = (part: string, end: number): Chunk | undefined => {
    const head = part.slice(start, end)
    const body = before.length > 0 ? before.join('') + head : head
    before = []
    return body.length > 0 ? {text: body, offset, line: startLine, isDoc: isDocument(body)} : undefined
  }
  // Comments before the first `---` belong to the document that follows.
  const merged = (chunk: Chunk): Chunk | undefined => {
    if (pending === undefined && chunk.line === 0 && !MARKER.test(chunk.text) && COMMENTS_ONLY.test(chunk.text)) {
      pending = chunk
      return undefined
    }
    if (pending === undefined) return chunk
    const out = {text: pending.text + chunk.text, offset: pending.offset, line: 0, isDoc: chunk.isDoc}
    pending = undefined
    return out
  }
  let first = true
  for (const part of lineParts(text)) {
    // A line starts at each part's start (the one before ended with a newline), and after every
    // newline; the input's own start (and `from`) never splits.
    let pos = first ? -1 : 0
    let search = first ? from : 0
    first = false
    for (;;) {
      if (pos >= 0 && pos < part.length && part.charCodeAt(pos) === 45 && MARKER.test(part.slice(pos, pos + 4))) {
        const chunk = take(part, pos)
        start = pos
        offset = base + pos
        startLine = line
        const out = chunk && merged(chunk)
        if (out !== undefined) yield out
      }
      const nl = part.indexOf('\n', search)
      if (nl === -1) break
      pos = nl + 1
      search = pos
      line++
    }
    if (start < part.length) before.push(start === 0 ? part : part.slice(start))
    start = 0
    base += part.length
  }
  const last = before.length > 0 ? take('', 0) : undefined
  if (pending !== undefined) yield last ? {text: pending.text + last.text, offset: pending.offset, line: 0, isDoc: last.isDoc} : pending
  else if (last !== undefined) yield last
}

/** Parts that each end at a line end (but the last): a part cut mid-line is joined to the next. */
function* lineParts(text: string | Iterable<string>): Generator<string> {
  if (typeof text === 'string') {
    yield text
    return
  }
  let carry = ''
  for (const part of text) {
    const whole = carry === '' ? part : carry + part
    const nl = whole.lastIndexOf('\n')
    if (nl === whole.length - 1) {
      carry = ''
      yield whole
    } else if (nl === -1) {
      carry = whole
    } else {
      carry = whole.slice(nl + 1)
      yield whole.slice(0, nl + 1)
    }
  }
  if (carry !== '') yield carry
}

const COMMENTS_ONLY = /^(?:[ \t]*(?:#[^\n]*)?(?:\n|$))*$/

/**
 * Kubernetes' reader: a chunk opened by `---` is a document when anything (even an empty line)
 * follows the marker line; a chunk without marker is one unless it is blank.
 */
function isDocument(body: string): boolean {
  if (!MARKER.test(body)) return body.trim() !== ''
  const nl = body.indexOf('\n')
  const markerRest = body.slice(3, nl === -1 ? body.length : nl).replace(/#.*$/, '').trim()
  if (markerRest !== '') return true
  return nl !== -1 && nl + 1 < body.length
}

/** Splits a stream of JSON values from offset `from`; whitespace between values goes with the value before it. */
export function splitJson(text: string, from = 0): Chunk[] {
  const chunks: Chunk[] = []
  let depth = 0
  let inString = false
  let start = from
  let startLine = 0
  let line = 0
  for (let i = from; i < text.length; i++) {
    const c = text[i]
    if (c === '\n') line++
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) {
        let end = i + 1
        while (end < text.length && /\s/.test(text[end]!)) {
          if (text[end] === '\n') line++
          end++
        }
        chunks.push({text: text.slice(start, end), offset: start, line: startLine, isDoc: true})
        start = end
        startLine = line
        i = end - 1
      }
    }
  }
  if (start < text.length) chunks.push({text: text.slice(start), offset: start, line: startLine, isDoc: text.slice(start).trim() !== ''})
  return chunks
}
