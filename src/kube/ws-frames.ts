// The client half of WebSocket framing (RFC 6455 §5), as much as a port-forward tunnel needs:
// masked frames out, server frames in and reassembled into messages. The `ws` package did this
// through a general stream stack that cost each tunnel about as much CPU as its TLS handshake,
// and viz stat opens two tunnels per pod. No extensions are negotiated, so RSV bits are errors.
import {randomFillSync} from 'node:crypto'

export const Opcode = {
  binary: 2,
  close: 8,
  continuation: 0,
  ping: 9,
  pong: 10,
  text: 1,
} as const

/** Larger messages are refused: a proxy's /metrics is ~100 KB, a tunnel never needs more. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024
const EMPTY = Buffer.alloc(0)

// Masks must be unpredictable to the network (RFC 6455 §5.3); drawing them from a pool refilled
// from the CSPRNG keeps that without a system call per frame.
const maskPool = Buffer.alloc(4096)
let maskOffset = maskPool.length

function nextMask(): Buffer {
  if (maskOffset + 4 > maskPool.length) {
    randomFillSync(maskPool)
    maskOffset = 0
  }
  const mask = maskPool.subarray(maskOffset, maskOffset + 4)
  maskOffset += 4
  return mask
}

/** One final, masked frame carrying the concatenation of `parts`. */
export function encodeFrame(opcode: number, parts: readonly Buffer[]): Buffer {
  let length = 0
  for (const part of parts) length += part.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + 4 + length)
  frame[0] = 0x80 | opcode
  if (length < 126) {
    frame[1] = 0x80 | length
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  const mask = nextMask()
  mask.copy(frame, headerLength)
  let at = headerLength + 4
  let i = 0
  for (const part of parts) {
    for (let j = 0; j < part.length; j++, i++) frame[at++] = (part[j] as number) ^ (mask[i & 3] as number)
  }
  return frame
}

export interface FrameHandlers {
  message(data: Buffer, binary: boolean): void
  ping(data: Buffer): void
  close(code: number | undefined, reason: string): void
  /** The peer broke the protocol; nothing more is decoded after this. */
  protocolError(what: string): void
}

/** Decodes server frames pushed in any chunking; calls the handlers in order. */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private size = 0
  private fragments: Buffer[] = []
  private fragmentsSize = 0
  private fragmentedOpcode: number | undefined
  private failed = false

  constructor(private readonly handlers: FrameHandlers) {}

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return
    this.chunks.push(chunk)
    this.size += chunk.length
    while (!this.failed && this.decodeOne());
  }

  private fail(what: string): false {
    this.failed = true
    this.chunks = []
    this.handlers.protocolError(what)
    return false
  }

  /** Decodes the frame at the front, if it has fully arrived. */
  private decodeOne(): boolean {
    if (this.size < 2) return false
    // A header is at most 14 bytes; merge leading chunks in the rare case it spans several.
    while ((this.chunks[0] as Buffer).length < 14 && this.chunks.length > 1) {
      this.chunks.splice(0, 2, Buffer.concat([this.chunks[0] as Buffer, this.chunks[1] as Buffer]))
    }
    const head = this.chunks[0] as Buffer
    const b0 = head[0] as number
    const b1 = head[1] as number
    const fin = (b0 & 0x80) !== 0
    const opcode = b0 & 0x0f
    if ((b0 & 0x70) !== 0) return this.fail('a frame with reserved bits set')
    if ((b1 & 0x80) !== 0) return this.fail('a masked frame')
    let length = b1 & 0x7f
    let headerLength = 2
    if (length === 126) {
      if (this.size < 4) return false
      length = head.readUInt16BE(2)
      headerLength = 4
    } else if (length === 127) {
      if (this.size < 10) return false
      const long = head.readBigUInt64BE(2)
      if (long > BigInt(MAX_MESSAGE_BYTES)) return this.fail(`a frame of ${long} bytes`)
      length = Number(long)
      headerLength = 10
    }
    if (this.size < headerLength + length) return false
    this.take(headerLength)
    const payload = this.take(length)

    if (opcode >= 8) {
      if (!fin || length > 125) return this.fail('a fragmented or oversized control frame')
      if (opcode === Opcode.close) {
        this.failed = true // nothing after a close frame counts
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined
        this.handlers.close(code, payload.subarray(2).toString('utf8'))
      } else if (opcode === Opcode.ping) {
        this.handlers.ping(payload)
      } else if (opcode !== Opcode.pong) {
        return this.fail(`a frame with opcode ${opcode}`)
      }
      return true
    }
    if (opcode === Opcode.continuation) {
      if (this.fragmentedOpcode === undefined) return this.fail('a continuation frame outside a message')
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.fragmentedOpcode !== undefined) return this.fail('a new message inside a fragmented one')
      if (fin) {
        this.handlers.message(payload, opcode === Opcode.binary)
        return true
      }
      this.fragmentedOpcode = opcode
    } else {
      return this.fail(`a frame with opcode ${opcode}`)
    }
    this.fragments.push(payload)
    this.fragmentsSize += payload.length
    if (this.fragmentsSize > MAX_MESSAGE_BYTES) return this.fail(`a message over ${MAX_MESSAGE_BYTES} bytes`)
    if (fin) {
      const binary = this.fragmentedOpcode === Opcode.binary
      const data = Buffer.concat(this.fragments, this.fragmentsSize)
      this.fragments = []
      this.fragmentsSize = 0
      this.fragmentedOpcode = undefined
      this.handlers.message(data, binary)
    }
    return true
  }

  /** Removes and returns the first `n` buffered bytes (a view when one chunk holds them). */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY
    this.size -= n
    const first = this.chunks[0] as Buffer
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = Buffer.allocUnsafe(n)
    let at = 0
    while (at < n) {
      const chunk = this.chunks[0] as Buffer
      const k = Math.min(chunk.length, n - at)
      chunk.copy(out, at, 0, k)
      if (k === chunk.length) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(k)
      at += k
    }
    return out
  }
}
