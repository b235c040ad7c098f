// SPDY/3 name/value header blocks: a 32-bit pair count, then each name and value with a 32-bit
// length (names lowercase, several values of one name joined by NUL). Each direction of a
// connection compresses all its blocks as ONE zlib stream, primed with a fixed dictionary and
// sync-flushed after every block, so a block can refer back to earlier ones.
import {inflateRawSync, constants as zlibConstants} from 'node:zlib'

/** Words as the SPDY/3 spec lists them, each preceded by its 32-bit length in the dictionary. */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
]
/** ...then this text, without lengths. */
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.'

/** The zlib dictionary of SPDY/3 header compression (1,423 bytes). */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(w.length)
    return [length, Buffer.from(w, 'latin1')]
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
])

export function adler32(data: Buffer): number {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

export class HeaderBlockError extends Error {}

export type HeaderPairs = Array<[name: string, value: string]>

export function encodeHeaderBlock(headers: HeaderPairs): Buffer {
  const parts: Buffer[] = [u32(headers.length)]
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8')
    const v = Buffer.from(value, 'utf8')
    parts.push(u32(n.length), n, u32(v.length), v)
  }
  return Buffer.concat(parts)
}

/** Name → value (several values stay NUL-joined, as on the wire). */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>()
  let offset = 0
  const take = (): Buffer => {
    if (offset + 4 > block.length) throw new HeaderBlockError('header block is truncated')
    const length = block.readUInt32BE(offset)
    offset += 4
    if (offset + length > block.length) throw new HeaderBlockError('header block is truncated')
    offset += length
    return block.subarray(offset - length, offset)
  }
  if (block.length < 4) throw new HeaderBlockError('header block is truncated')
  const count = block.readUInt32BE(0)
  offset = 4
  for (let i = 0; i < count; i++) {
    const name = take().toString('utf8')
    const value = take().toString('utf8')
    if (name === '' || name !== name.toLowerCase()) throw new HeaderBlockError(`invalid header name "${name}"`)
    if (headers.has(name)) throw new HeaderBlockError(`duplicate header "${name}"`)
    headers.set(name, value)
  }
  if (offset !== block.length) throw new HeaderBlockError('header block has trailing bytes')
  return headers
}

const WINDOW = 32 * 1024

/**
 * Reads the peer's compressed header blocks. Deflate refers back at most 32 KiB, so raw-inflating
 * each block with the last 32 KiB of everything inflated before it (the SPDY dictionary at first)
 * as preset dictionary is the same as one long-lived zlib stream, and stays synchronous.
 */
export class HeaderInflater {
  private window: Buffer = SPDY3_DICTIONARY
  private started = false

  inflate(compressed: Buffer): Buffer {
    let deflate = compressed
    if (!this.started) {
      // The zlib header: deflate method, a valid check value, and (from SPDY senders) the dictionary's id.
      const [cmf = 0, flg = 0] = compressed
      if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw new HeaderBlockError('header block is not a zlib stream')
      let skip = 2
      if (flg & 0x20) {
        if (compressed.length < 6 || compressed.readUInt32BE(2) !== adler32(SPDY3_DICTIONARY)) throw new HeaderBlockError('header block uses an unknown zlib dictionary')
        skip = 6
      }
      deflate = compressed.subarray(skip)
      this.started = true
    }
    let out: Buffer
    try {
      out = inflateRawSync(deflate, {dictionary: this.window, finishFlush: zlibConstants.Z_SYNC_FLUSH})
    } catch (err) {
      throw new HeaderBlockError(`header block does not inflate: ${(err as Error).message}`)
    }
    this.window = Buffer.concat([this.window, out]).subarray(-WINDOW)
    return out
  }
}

/**
 * Writes our header blocks into one zlib stream as stored (uncompressed) deflate blocks, each
 * followed by the empty stored block of a sync flush: valid zlib for any reader (Go's spdystream
 * needs the flush marker to hand over a block), with no compressor state to keep. Port-forward
 * replies carry no headers, so compressing them would gain nothing.
 */
export class HeaderDeflater {
  private started = false

  deflate(block: Buffer): Buffer {
    const parts: Buffer[] = []
    if (!this.started) {
      parts.push(Buffer.from([0x78, 0x01])) // deflate, 32 KiB window, no preset dictionary
      this.started = true
    }
    for (let offset = 0; offset < block.length; offset += 0xffff) {
      const piece = block.subarray(offset, offset + 0xffff)
      parts.push(storedBlockHeader(piece.length), piece)
    }
    parts.push(storedBlockHeader(0))
    return Buffer.concat(parts)
  }
}

function storedBlockHeader(length: number): Buffer {
  // BFINAL=0, BTYPE=00 (stored), then LEN and its one's complement, little-endian.
  const header = Buffer.alloc(5)
  header.writeUInt16LE(length, 1)
  header.writeUInt16LE(~length & 0xffff, 3)
  return header
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
