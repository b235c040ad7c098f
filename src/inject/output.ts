// Writes transformed inputs as one stream: each input in its own format (or the one -o asks
// for), inputs joined so that documents never run together.
import {parseDocument, stringify} from 'yaml'

import type {InputResult} from './engine.js'

export type OutputFormat = 'yaml' | 'json'

/** Plain JS of a document as the yaml library reads it (exact, for format conversion). */
function valueOf(text: string): unknown {
  return parseDocument(text).toJS({maxAliasCount: -1})
}

export function renderInput(result: InputResult, format: OutputFormat | undefined): string {
  const own: OutputFormat = result.json ? 'json' : 'yaml'
  const target = format ?? own
  if (target === own) return result.documents.map((d) => d.text).join('')
  const docs = result.documents.filter((d) => d.isDoc)
  if (target === 'json') {
    // As `linkerd inject -o json`: one compact JSON document per line.
    return docs.map((d) => valueOf(d.text)).filter((v) => v !== null && v !== undefined).map((v) => JSON.stringify(v) + '\n').join('')
  }
  return docs.map((d, i) => (i === 0 ? '' : '---\n') + stringify(JSON.parse(d.text), {lineWidth: 0})).join('')
}

/** All inputs as one stream. */
export function renderInputs(results: InputResult[], format: OutputFormat | undefined): string {
  let out = ''
  for (const result of results) {
    let text = renderInput(result, format)
    if (text === '') continue
    const yaml = (format ?? (result.json ? 'json' : 'yaml')) === 'yaml'
    if (out !== '') {
      if (!out.endsWith('\n')) out += '\n'
      if (yaml && !/^---(?:\s|$)/.test(text)) text = '---\n' + text
    }
    out += text
  }
  return out
}
