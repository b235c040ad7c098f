// Reads manifests for `diagnose ports -f` with inject's source reader (files, directories
// recursively, http(s) URLs, `-` for stdin) and splits them into YAML/JSON documents with their
// first line, so problems can name `web.yaml, document 2`. Errors are InputErrors naming the
// file, document, line and column.
import {LineCounter, parseAllDocuments} from 'yaml'

import {InputError} from '../errors.js'
import {inputText, readInputs, type SourceOptions} from '../inject/source.js'

export interface ManifestDocument {
  source: string
  /** 1-based index of the document in its source. */
  index: number
  line: number
  object: unknown
}

export function parseManifestText(text: string, source: string): ManifestDocument[] {
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(text, {lineCounter, prettyErrors: false})
  if (!Array.isArray(docs)) return [] // an empty stream
  const out: ManifestDocument[] = []
  docs.forEach((doc, i) => {
    const error = doc.errors[0]
    if (error) {
      const pos = lineCounter.linePos(error.pos[0])
      throw new InputError({source, document: i + 1, line: pos.line, column: pos.col}, error.message.split('\n')[0] ?? 'invalid YAML', {hint: 'fix the YAML syntax at that position'})
    }
    const object: unknown = doc.toJS({maxAliasCount: 1000})
    if (object === null || object === undefined) return
    const start = doc.contents?.range?.[0] ?? 0
    out.push({source, index: i + 1, line: lineCounter.linePos(start).line, object})
  })
  return out
}

/** Reads files, directories, URLs and `-` with inject's reader, then splits every input into documents. */
export async function readManifests(paths: readonly string[], options: SourceOptions = {}): Promise<ManifestDocument[]> {
  const inputs = await readInputs([...paths], options)
  return inputs.flatMap((input) => parseManifestText(inputText(input), input.source === '-' ? '<stdin>' : input.source))
}
