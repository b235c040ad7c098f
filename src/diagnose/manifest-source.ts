// Reads manifests from disk for `diagnose ports -f` (files, directories recursively, `-` for
// stdin) and splits them into YAML/JSON documents with their first line, so problems can name
// `web.yaml (document 2)`. Errors are InputErrors naming the file, document, line and column.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {LineCounter, parseAllDocuments} from 'yaml'

import {InputError} from '../errors.js'

export interface ManifestDocument {
  source: string
  /** 1-based index of the document in its source. */
  index: number
  line: number
  object: unknown
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i

function expand(path: string): string[] {
  let stat
  try {
    stat = statSync(path)
  } catch {
    throw new InputError({source: path}, 'no such file or directory', {hint: 'pass a manifest file, a directory of manifests, or - for stdin'})
  }
  if (!stat.isDirectory()) return [path]
  return readdirSync(path, {withFileTypes: true})
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name)
      if (entry.isDirectory()) return expand(child)
      return MANIFEST_FILE.test(entry.name) ? [child] : []
    })
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

export function readManifests(paths: readonly string[], readStdin: () => string): ManifestDocument[] {
  const docs: ManifestDocument[] = []
  for (const path of paths) {
    if (path === '-') {
      docs.push(...parseManifestText(readStdin(), '<stdin>'))
      continue
    }
    for (const file of expand(path)) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (err) {
        throw new InputError({source: file}, `cannot read: ${(err as Error).message}`)
      }
      docs.push(...parseManifestText(text, file))
    }
  }
  return docs
}
