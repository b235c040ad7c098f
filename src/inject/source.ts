// Reads the inputs of inject/uninject: files, directories (recursive, .yml/.yaml/.json, lexical
// order), http(s) URLs (time and size limited) and `-` for stdin. Each file is one input.
// Symbolic links to files are read through (in directories too, as Linkerd's walk opens them);
// links to directories inside a directory are not followed (no loops), as filepath.Walk.
import {lstat, readdir, readFile, readlink, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {InputError} from '../errors.js'

export interface Input {
  /** What the user named (path, URL or `-`), or the file found under a named directory. */
  source: string
  text: string
  /** Set for regular files: where `--in-place` writes. */
  file?: string
  /** The text as read, kept only where a caller needs it after `text` is dropped. */
  original?: string
}

export interface SourceOptions {
  stdin?: NodeJS.ReadableStream
  timeoutMs?: number
  maxBytes?: number
}

export const URL_TIMEOUT_MS = 10_000
export const URL_MAX_BYTES = 32 * 1024 * 1024
const MANIFEST_EXT = /\.(ya?ml|json)$/i

export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg)
}

export async function readInputs(args: string[], options: SourceOptions = {}): Promise<Input[]> {
  const inputs: Input[] = []
  for (const arg of args) {
    if (arg === '-') inputs.push({source: '-', text: await readStream(options.stdin ?? process.stdin, '-', options.maxBytes ?? URL_MAX_BYTES * 4)})
    else if (isUrl(arg)) inputs.push({source: arg, text: await readUrl(arg, options)})
    else inputs.push(...(await readPath(arg)))
  }
  return inputs
}

async function readPath(path: string): Promise<Input[]> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    throw await statError(path, error, 'check the path; pass - to read from stdin')
  }
  if (!info.isDirectory()) return [{source: path, text: await readText(path), file: path}]
  const files: string[] = []
  await walk(path, files)
  return Promise.all(files.map(async (file) => ({source: file, text: await readText(file), file})))
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

async function readText(path: string): Promise<string> {
  try {
    // Decode the whole buffer at once: readFile(path, 'utf8') builds the string from 512 KiB
    // pieces, which V8 copies into one flat string on first use (twice the memory at the peak).
    return (await readFile(path)).toString('utf8')
  } catch (error) {
    throw new InputError({source: path}, describeFsError(error))
  }
}

function describeFsError(error: unknown): string {
  const code = (error as {code?: string}).code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return (error as Error).message
}

async function readStream(stream: NodeJS.ReadableStream, source: string, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk)
    size += buf.length
    if (size > maxBytes) throw new InputError({source}, `input larger than ${maxBytes} bytes`)
    chunks.push(buf)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function readUrl(url: string, options: SourceOptions): Promise<string> {
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
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length
      if (size > maxBytes) {
        await response.body?.cancel()
        throw new InputError({source: url}, `response larger than ${maxBytes} bytes`)
      }
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError({source: url}, signal.aborted ? `no complete answer within ${timeoutMs / 1000}s` : `unable to read URL: ${(error as Error).message}`)
  }
  return Buffer.concat(chunks).toString('utf8')
}
