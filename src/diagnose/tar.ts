// A minimal POSIX ustar writer for the diagnose bundle: regular files only, which is all the
// bundle holds, so no dependency is needed. gzip comes from node:zlib.
import {gzipSync} from 'node:zlib'

export interface TarEntry {
  path: string
  content: string | Buffer
}

const BLOCK = 512

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`
}

function splitPath(path: string): {name: string; prefix: string} {
  if (Buffer.byteLength(path) <= 100) return {name: path, prefix: ''}
  // ustar keeps up to 155 bytes of directories in `prefix` and the rest in `name`.
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return {name, prefix}
  }
  throw new Error(`path too long for a tar entry: ${path}`)
}

function header(path: string, size: number, mtime: number): Buffer {
  const buf = Buffer.alloc(BLOCK)
  const {name, prefix} = splitPath(path)
  buf.write(name, 0, 100, 'utf8')
  buf.write(octal(0o644, 8), 100, 'ascii')
  buf.write(octal(0, 8), 108, 'ascii')
  buf.write(octal(0, 8), 116, 'ascii')
  buf.write(octal(size, 12), 124, 'ascii')
  buf.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii')
  buf.write('        ', 148, 'ascii') // checksum counts as spaces while it is computed
  buf.write('0', 156, 'ascii')
  buf.write('ustar\0', 257, 'ascii')
  buf.write('00', 263, 'ascii')
  buf.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of buf) sum += byte
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return buf
}

export function tar(entries: readonly TarEntry[], mtime = Date.now()): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const data = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content
    parts.push(header(entry.path, data.length, mtime), data)
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
    if (pad > 0) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

export function tarGz(entries: readonly TarEntry[], mtime = Date.now()): Buffer {
  return gzipSync(tar(entries, mtime))
}
