// An input's text in parts of about 64 KiB, each ending at a line end (but the last), decoded as
// the bytes arrive: a huge input is never held as bytes and as text at once, and its parts can be
// freed as the transform moves on. Parts this small are ordinary young-generation strings, which
// V8 frees cheaply once their documents are done (1 MiB parts went to large-object space and
// waited for full collections). A file larger than a part is read lazily, and again on every
// iteration: a second pass over a huge file costs a re-read, not its memory.
import {closeSync, fstatSync, openSync, readSync, type Stats} from 'node:fs'

import {InputError} from '../errors.js'

export const PART = 1 << 16

/**
 * Cuts UTF-8 bytes into text parts of about PART bytes after a newline: a newline byte is never
 * inside a multi-byte character, so each part decodes on its own. The bytes are copied into one
 * buffer reused from part to part (so callers may reuse theirs).
 */
export class LineParts {
  private buffer = Buffer.alloc(0)
  private filled = 0
  private lastNewline = -1
  private total = 0

  constructor(private readonly onSize?: ((size: number) => void) | undefined) {}

  /** Adds bytes; returns a part when one is complete. */
  push(bytes: Uint8Array): string | undefined {
    if (this.filled + bytes.length > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.filled + bytes.length, this.buffer.length * 2, 1 << 16))
      this.buffer.copy(bigger, 0, 0, this.filled)
      this.buffer = bigger
    }
    this.buffer.set(bytes, this.filled)
    const newline = bytes.lastIndexOf(10)
    if (newline !== -1) this.lastNewline = this.filled + newline
    this.filled += bytes.length
    this.total += bytes.length
    // A line longer than a part waits for its end.
    if (this.filled < PART || this.lastNewline === -1) return undefined
    const cut = this.lastNewline + 1
    const part = this.buffer.toString('utf8', 0, cut)
    this.buffer.copyWithin(0, cut, this.filled)
    this.filled -= cut
    this.lastNewline = -1
    this.onSize?.(this.total)
    return part
  }

  /** The last part (possibly empty). */
  end(): string {
    const part = this.buffer.toString('utf8', 0, this.filled)
    this.buffer = Buffer.alloc(0)
    this.filled = 0
    return part
  }
}

export function describeFsError(error: unknown): string {
  const code = (error as {code?: string}).code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return (error as Error).message
}

/**
 * A file's text in parts, read (synchronously: the transform is) on each iteration. Every
 * iteration checks that the file is still the one first seen (same inode, size and mtime), so
 * two passes never mix two versions of it.
 */
export class FileParts implements Iterable<string> {
  constructor(
    readonly path: string,
    private readonly seen: Stats,
  ) {}

  get size(): number {
    return this.seen.size
  }

  *[Symbol.iterator](): Generator<string> {
    const fd = this.open()
    try {
      const parts = new LineParts()
      const buffer = Buffer.allocUnsafe(PART)
      for (let read = this.read(fd, buffer); read > 0; read = this.read(fd, buffer)) {
        const part = parts.push(buffer.subarray(0, read))
        if (part !== undefined) yield part
      }
      yield parts.end()
    } finally {
      closeSync(fd)
    }
  }

  private open(): number {
    try {
      const fd = openSync(this.path, 'r')
      const now = fstatSync(fd)
      if (now.ino !== this.seen.ino || now.size !== this.seen.size || now.mtimeMs !== this.seen.mtimeMs) {
        closeSync(fd)
        throw new InputError({source: this.path}, 'the file changed while meshport was reading it', {hint: 'run again once nothing writes to it'})
      }
      return fd
    } catch (error) {
      if (error instanceof InputError) throw error
      throw new InputError({source: this.path}, describeFsError(error))
    }
  }

  private read(fd: number, buffer: Buffer): number {
    try {
      return readSync(fd, buffer, 0, buffer.length, null)
    } catch (error) {
      throw new InputError({source: this.path}, describeFsError(error))
    }
  }
}
