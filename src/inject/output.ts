// Writes transformed inputs as one stream: each input in its own format (or the one -o asks
// for), inputs joined so that documents never run together.
import {yaml} from '../util/yaml.js'
import type {StreamResult} from './stream.js'

export type OutputFormat = 'yaml' | 'json'

/** Plain JS of a document as the yaml library reads it (exact, for format conversion). */
function valueOf(text: string): unknown {
  return yaml().parseDocument(text, {merge: true}).toJS({maxAliasCount: -1})
}

export function renderInput(result: StreamResult, format: OutputFormat | undefined): string {
  return [...inputPieces(result, format)].join('')
}

/** An input's output as pieces (the documents' own strings: nothing is copied). */
export function inputPieces(result: StreamResult, format: OutputFormat | undefined): Iterable<string> {
  const own: OutputFormat = result.json ? 'json' : 'yaml'
  const target = format ?? own
  if (target === own) return result.pieces
  const docs = result.documents ?? []
  if (target === 'json') {
    // As `linkerd inject -o json`: one compact JSON document per line.
    return docs.map((d) => valueOf(d)).filter((v) => v !== null && v !== undefined).map((v) => JSON.stringify(v) + '\n')
  }
  return docs.filter((d) => d.trim() !== '').map((d, i) => (i === 0 ? '' : '---\n') + yaml().stringify(JSON.parse(d), {lineWidth: 0}))
}

/**
 * All inputs as one stream of pieces. Without -o, a stream of only JSON inputs stays JSON (one
 * value after another); as soon as one input is YAML the stream is YAML, JSON documents included
 * (JSON is YAML), with `---` between inputs so that documents never run together.
 */
export function* streamPieces(results: StreamResult[], format: OutputFormat | undefined): Generator<string> {
  const yamlStream = format === 'yaml' || (format === undefined && results.some((r) => !r.json))
  // Pieces are produced as they are written (an input's may be a second pass over it): the
  // separator before an input is decided by its first piece and the last piece before it.
  let last: string | undefined
  for (const result of results) {
    let raw = 0
    let first = true
    for (let piece of inputPieces(result, format)) {
      // A byte order mark belongs at the start of the stream only.
      if (raw++ === 0 && last !== undefined && piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1)
      if (piece === '') continue
      if (first && last !== undefined) {
        if (!last.endsWith('\n')) yield '\n'
        if (yamlStream && !/^---(?:\s|$)/.test(piece)) yield '---\n'
      }
      first = false
      yield piece
      last = piece
    }
  }
}

/** All inputs as one string. */
export function renderInputs(results: StreamResult[], format: OutputFormat | undefined): string {
  return [...streamPieces(results, format)].join('')
}
