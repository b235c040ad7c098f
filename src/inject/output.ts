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
  return inputPieces(result, format).join('')
}

/** An input's output as pieces (the documents' own strings: nothing is copied). */
export function inputPieces(result: StreamResult, format: OutputFormat | undefined): string[] {
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
export function streamPieces(results: StreamResult[], format: OutputFormat | undefined): string[] {
  const yamlStream = format === 'yaml' || (format === undefined && results.some((r) => !r.json))
  const out: string[] = []
  let last = ''
  for (const result of results) {
    // A byte order mark belongs at the start of the stream only.
    const pieces = inputPieces(result, format).map((p, i) => (i === 0 && out.length > 0 && p.charCodeAt(0) === 0xfeff ? p.slice(1) : p)).filter((p) => p !== '')
    if (pieces.length === 0) continue
    if (out.length > 0) {
      if (!last.endsWith('\n')) out.push('\n')
      if (yamlStream && !/^---(?:\s|$)/.test(pieces[0]!)) out.push('---\n')
    }
    out.push(...pieces)
    last = pieces[pieces.length - 1]!
  }
  return out
}

/** All inputs as one string. */
export function renderInputs(results: StreamResult[], format: OutputFormat | undefined): string {
  return streamPieces(results, format).join('')
}
