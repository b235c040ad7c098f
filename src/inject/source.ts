// Reads the inputs of inject/uninject: files, directories (recursive, .yml/.yaml/.json, lexical
// order), http(s) URLs (time and size limited) and `-` for stdin. Each file is one input.
// Symbolic links to files are read through (in directories too, as Linkerd's walk opens them);
// links to directories inside a directory are not followed (no loops), as filepath.Walk. The
// text comes in parts (parts.ts): a huge input is never held as bytes and text at once, and a
// huge file is read when the transform gets to it.
import {lstat, open, readdir, readlink, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {InputError} from '../errors.js'
import {describeFsError, FileParts, LineParts, PART} from './parts.js'

/**
 * An input's text in parts that each end at a line end (but the last); joined, they are the text.
 * A list (read already; the transform empties it as it goes), or a large file read on each
 * iteration (FileParts).
 */
export type InputText = string[] | FileParts

export interface Input {
  /** What the user named (path, URL or `-`), or the file found under a named directory. */
  source: string
  parts: InputText
  /** Set for regular files: where `--in-place` writes. */
  file?: string
  /** The text as read, kept only where a caller needs it after `text` is dropped. */
  original?: string
}

export interface SourceOptions {
  /** Told each input's size in bytes as soon as it is known: a file's before it is read, a stream's as it grows. */
  onSize?: ((size: number) => void) | undefined
  stdin?: NodeJS.ReadableStream
  timeoutMs?: number
  maxBytes?: number
}

export const URL_TIMEOUT_MS = 10_000
export const URL_MAX_BYTES = 32 * 1024 * 1024
const MANIFEST_EXT = /\.(ya?ml|json)$/i

/** An input's whole text. */
export function inputText(input: Input): string {
  const parts = [...input.parts]
  return parts.length === 1 ? parts[0]! : parts.join('')
}

/** An input's size: characters of a list, bytes of a file (for memory decisions, not offsets). */
export function inputSize(input: Input): number {
  return Array.isArray(input.parts) ? input.parts.reduce((sum, part) => sum + part.length, 0) : input.parts.size
}

export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg)
}

export async function readInputs(args: string[], options: SourceOptions = {}): Promise<Input[]> {
  const inputs: Input[] = []
  for (const arg of args) {
    if (arg === '-') inputs.push({source: '-', parts: await readStream(options.stdin ?? process.stdin, '-', options.maxBytes ?? URL_MAX_BYTES * 4, options.onSize)})
    else if (isUrl(arg)) inputs.push({source: arg, parts: await readUrl(arg, options)})
    else inputs.push(...(await readPath(arg, options.onSize)))
  }
  return inputs
}

async function readPath(path: string, onSize: SourceOptions['onSize']): Promise<Input[]> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    throw await statError(path, error, 'check the path; pass - to read from stdin')
  }
  if (!info.isDirectory()) return [{source: path, parts: await readText(path, onSize), file: path}]
  const files: string[] = []
  await walk(path, files)
  return Promise.all(files.map(async (file) => ({source: file, parts: await readText(file, onSize), file})))
}

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, {withFileTypes: true})
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await walk(path, found)
    else if (entry.isFile() && MANIFEST_EXT.test(entry.name)) found.push(path)
    else if (entry.isSymbolicLink() && MANIFEST_EXT.test(entry.name)) {
      let target
      try {
        target = await stat(path)
      } catch (error) {
        throw await statError(path, error, 'fix or remove the link')
      }
      if (target.isFile()) found.push(path)
    }
  }
}

/** The error for a path that cannot be stat'ed; a dangling symbolic link says where it points. */
async function statError(path: string, error: unknown, hint: string): Promise<InputError> {
  const code = (error as {code?: string}).code
  if (code === 'ENOENT' || code === 'ELOOP') {
    const link = await lstat(path).then((l) => l.isSymbolicLink(), () => false)
    if (link) {
      const to = await readlink(path).catch(() => '?')
      const why = code === 'ELOOP' ? 'a loop of symbolic links' : `a dangling symbolic link (to ${to}, which does not exist)`
      return new InputError({source: path}, why, {hint: 'fix or remove the link'})
    }
  }
  return new InputError({source: path}, describeFsError(error), {hint})
}

async function readText(path: string, onSize: SourceOptions['onSize']): Promise<InputText> {
  try {
    const handle = await open(path, 'r')
    try {
      const info = await handle.stat()
      // Most manifests are one part: read and decoded at once. Larger files are read in parts
      // when the transform gets to them.
      if (info.size < PART) return [(await handle.readFile()).toString('utf8')]
      onSize?.(info.size)
      return new FileParts(path, info)
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw new InputError({source: path}, describeFsError(error))
  }
}

async function readStream(stream: NodeJS.ReadableStream, source: string, maxBytes: number, onSize: SourceOptions['onSize']): Promise<string[]> {
  const parts: string[] = []
  const decoder = new LineParts(onSize)
  let size = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buf.length
    if (size > maxBytes) throw new InputError({source}, `input larger than ${maxBytes} bytes`)
    const part = decoder.push(buf)
    if (part !== undefined) parts.push(part)
  }
  parts.push(decoder.end())
  return parts
}

async function readUrl(url: string, options: SourceOptions): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? URL_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? URL_MAX_BYTES
  const signal = AbortSignal.timeout(timeoutMs)
  let response: Response
  try {
    response = await fetch(url, {signal, redirect: 'follow'})
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${timeoutMs / 1000}s` : ((error as {cause?: {message?: string}}).cause?.message ?? (error as Error).message)
    throw new InputError({source: url}, `unable to read URL: ${reason}`, {hint: 'check the URL and your network; or download the file and pass its path'})
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new InputError({source: url}, `unable to read URL, server reported ${response.status} ${response.statusText}`.trimEnd())
  }
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw new InputError({source: url}, `response larger than ${maxBytes} bytes`)
  }
  if (declared > 0) options.onSize?.(declared)
  const parts: string[] = []
  const decoder = new LineParts(options.onSize)
  let size = 0
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length
      if (size > maxBytes) {
        await response.body?.cancel()
        throw new InputError({source: url}, `response larger than ${maxBytes} bytes`)
      }
      const part = decoder.push(chunk)
      if (part !== undefined) parts.push(part)
    }
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError({source: url}, signal.aborted ? `no complete answer within ${timeoutMs / 1000}s` : `unable to read URL: ${(error as Error).message}`)
  }
  parts.push(decoder.end())
  return parts
}
