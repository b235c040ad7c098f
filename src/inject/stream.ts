// The compact result the commands keep per input: the output in pieces of a few hundred KB, the
// changed documents (for --diff), and the report as it prints. Nothing per document survives,
// so 50,000-document streams stay small in memory.
import {transformChunks, transformStream, type Operation, type Progress, type TransformSink} from './engine.js'
import {ReportAccumulator, type ResourceReport} from './report.js'
import type {InjectOptions} from './types.js'

const JOIN_AT = 256 * 1024

export interface Change {
  /** 0-based line of the document in the input. */
  line: number
  original: string
  text: string
}

export interface StreamResult {
  source: string
  json: boolean
  /** The output in the input's own format, in order (run.ts may make it a second pass instead). */
  pieces: Iterable<string>
  /** Only when asked for (`needs.changes`). */
  changes: Change[]
  /** Every document's output text; only kept when asked (format conversion). */
  documents: string[] | undefined
  report: ReportAccumulator
  errors: string[]
  changed: boolean
}

export interface StreamNeeds {
  /** Keep every document's output text (for format conversion). */
  documents?: boolean
  /** Keep the changed documents with their lines (for --diff). */
  changes?: boolean
  /** Mark the reports of documents that come out unchanged (--in-place says "already injected"). */
  unchanged?: boolean
  /** Keep the output (default); false when only the report, errors and `changed` are wanted. */
  pieces?: boolean
}

/**
 * Gathers output into strings of a few hundred KB: each is a fresh copy, so the input parts and
 * documents it came from can be freed as the transform goes (a 20 MB stream is held about once,
 * not as input and output), and V8 allocates such strings outside the young generation instead
 * of copying every small document string into the old one.
 */
class Batches {
  private batch: string[] = []
  private size = 0

  /** Adds a document's output; returns a batch when one is full. */
  add(text: string): string | undefined {
    this.batch.push(text)
    this.size += text.length
    return this.size >= JOIN_AT ? this.take() : undefined
  }

  /** What is gathered so far ('' when nothing). */
  take(): string {
    const joined = this.batch.join('')
    this.batch = []
    this.size = 0
    return joined
  }
}

export function transformToStream(source: string, text: string | Iterable<string>, op: Operation, options: InjectOptions, needs: StreamNeeds = {}, progress?: Progress): StreamResult {
  const pieces: string[] = []
  const result: StreamResult = {source, json: false, pieces, changes: [], documents: needs.documents ? [] : undefined, report: new ReportAccumulator(), errors: [], changed: false}
  const batches = needs.pieces === false ? undefined : new Batches()
  // A document's reports arrive before its chunk: held until it is known whether it changed.
  const held: ResourceReport[] = []
  const sink: TransformSink = {
    chunk(chunk, out, changed) {
      for (const r of held) result.report.add(needs.unchanged && !changed ? {...r, unchanged: true} : r)
      held.length = 0
      if (chunk.isDoc) result.documents?.push(out)
      const full = batches?.add(out)
      if (full !== undefined) pieces.push(full)
      if (!changed) return
      if (needs.changes) result.changes.push({line: chunk.line, original: chunk.text, text: out})
      result.changed = true
    },
    report: (r) => held.push(r),
    error: (e) => result.errors.push(e),
  }
  result.json = transformStream(source, text, op, options, sink, progress).json
  const rest = batches?.take()
  if (rest) pieces.push(rest)
  return result
}

/**
 * The output of transforming `text` again, yielded in pieces as each is complete: the second
 * pass over an input whose output is too large to hold (run.ts). Reports and errors were the
 * first pass's business.
 */
export function* replayPieces(source: string, text: Iterable<string>, op: Operation, options: InjectOptions): Generator<string> {
  const quiet = {report: () => {}, error: () => {}}
  // Each document as it is done: the writer batches them, and nothing outlives its write.
  for (const [, out] of transformChunks(source, text, op, options, quiet)) yield out
}
