// The compact result the commands keep per input: output pieces (runs of unchanged documents
// stay one slice of the input), the changed documents (for --diff), and the report as it prints.
// Nothing per unchanged document survives, so 50,000-document streams stay small in memory.
import {transformStream, type Operation, type Progress, type TransformSink} from './engine.js'
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
  /** The output in the input's own format, in order. */
  pieces: string[]
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
}

export function transformToStream(source: string, text: string, op: Operation, options: InjectOptions, needs: StreamNeeds = {}, progress?: Progress): StreamResult {
  const result: StreamResult = {source, json: false, pieces: [], changes: [], documents: needs.documents ? [] : undefined, report: new ReportAccumulator(), errors: [], changed: false}
  let runStart = -1
  let runEnd = -1
  // Output much larger than its input (--manual) is gathered into strings of a few hundred KB:
  // those go straight to V8's large-object space, where the small per-document strings would be
  // copied into the old generation one by one. Output about the input's size (annotate mode)
  // stays as it was: slices of the input and small strings, never a copy.
  let batch: string[] = []
  let batchSize = 0
  let batchGrowth = 0
  const add = (piece: string, growth: number): void => {
    batch.push(piece)
    batchSize += piece.length
    batchGrowth += growth
    if (batchSize < JOIN_AT) return
    if (batchGrowth * 4 >= batchSize * 3) {
      const joined = batch.join('')
      joined.charCodeAt(0)
      result.pieces.push(joined)
    } else result.pieces.push(...batch)
    batch = []
    batchSize = 0
    batchGrowth = 0
  }
  const flush = (): void => {
    if (runStart >= 0 && runEnd > runStart) add(text.slice(runStart, runEnd), 0)
    runStart = -1
  }
  // A document's reports arrive before its chunk: held until it is known whether it changed.
  const held: ResourceReport[] = []
  const sink: TransformSink = {
    chunk(chunk, out, changed) {
      for (const r of held) result.report.add(needs.unchanged && !changed ? {...r, unchanged: true} : r)
      held.length = 0
      if (chunk.isDoc) result.documents?.push(out)
      if (!changed) {
        // Consecutive unchanged chunks are consecutive in the input: one slice covers the run.
        if (runStart < 0 || chunk.offset !== runEnd) {
          flush()
          runStart = chunk.offset
        }
        runEnd = chunk.offset + chunk.text.length
        return
      }
      flush()
      add(out, out.length - chunk.text.length)
      if (needs.changes) result.changes.push({line: chunk.line, original: chunk.text, text: out})
      result.changed = true
    },
    report: (r) => held.push(r),
    error: (e) => result.errors.push(e),
  }
  result.json = transformStream(source, text, op, options, sink, progress).json
  flush()
  result.pieces.push(...batch)
  return result
}
