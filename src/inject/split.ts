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
  const bom = text.charCodeAt(0) === BOM ? 1 : 0
  const chunks = json ? splitJson(text, bom) : yamlChunks(text, bom)
  if (bom === 0) return chunks
  return (function* () {
    yield {text: text.slice(0, 1), offset: 0, line: 0, isDoc: false}
    yield* chunks
  })()
}

export function isJsonText(text: string): boolean {
  // A loop, not a RegExp: V8 copies a 20 MB input before running a regexp over it.
  for (let i = text.charCodeAt(0) === BOM ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 9 || c === 10 || c === 13) continue
    return c === 123 || c === 91
  }
  return false
}

export function splitYaml(text: string): Chunk[] {
  return [...yamlChunks(text)]
}

/** The chunks of a YAML stream from offset `from`, one at a time (nothing is held for the whole stream). */
export function* yamlChunks(text: string, from = 0): Generator<Chunk> {
  let pending: Chunk | undefined
  let start = from
  let startLine = 0
  let pos = from
  let line = 0
  const take = (end: number): Chunk | undefined => {
    const body = text.slice(start, end)
    return body.length > 0 ? {text: body, offset: start, line: startLine, isDoc: isDocument(body)} : undefined
  }
  for (;;) {
    const nl = text.indexOf('\n', pos)
    if (nl === -1) break
    pos = nl + 1
    line++
    if (pos < text.length && text.charCodeAt(pos) === 45 && MARKER.test(text.slice(pos, pos + 4))) {
      const chunk = take(pos)
      start = pos
      startLine = line
      if (chunk === undefined) continue
      // Comments before the first `---` belong to the document that follows.
      if (pending === undefined && chunk.line === 0 && !MARKER.test(chunk.text) && COMMENTS_ONLY.test(chunk.text)) {
        pending = chunk
        continue
      }
      if (pending !== undefined) {
        yield {text: pending.text + chunk.text, offset: pending.offset, line: 0, isDoc: chunk.isDoc}
        pending = undefined
      } else {
        yield chunk
      }
    }
  }
  const last = take(text.length)
  if (pending !== undefined) yield last ? {text: pending.text + last.text, offset: pending.offset, line: 0, isDoc: last.isDoc} : pending
  else if (last !== undefined) yield last
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
