// SPDY/3.1 frames, as far as Kubernetes' streams (Go's spdystream) use them. Every frame has an
// 8-byte header: control frames start with bit 1, a 15-bit version (3) and a 16-bit type; data
// frames with bit 0 and a 31-bit stream id; then 8 bits of flags and a 24-bit payload length.

export const SPDY_VERSION = 3

export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const

/** FLAG_FIN on data, SYN_STREAM, SYN_REPLY and HEADERS frames: the sender's last frame on the stream. */
export const FLAG_FIN = 0x01
/** FLAG_UNIDIRECTIONAL on SYN_STREAM: the receiver may not send on the stream. */
export const FLAG_UNIDIRECTIONAL = 0x02

export const RstStatus = {protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6} as const
export const GoAwayStatus = {ok: 0, protocolError: 1, internalError: 2} as const

export const MAX_PAYLOAD = 0xffffff

export type Frame = {control: true; flags: number; payload: Buffer; type: number; version: number} | {control: false; data: Buffer; flags: number; streamId: number}

export class FrameError extends Error {}

/** Cuts a byte stream, delivered in arbitrary chunks, into frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Frame[] {
    const buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const frames: Frame[] = []
    let offset = 0
    while (buffer.length - offset >= 8) {
      const length = buffer.readUInt32BE(offset + 4) & 0xffffff
      if (buffer.length - offset < 8 + length) break
      const first = buffer.readUInt32BE(offset)
      const flags = buffer[offset + 4] as number
      const payload = buffer.subarray(offset + 8, offset + 8 + length)
      if (first & 0x80000000) frames.push({control: true, flags, payload, type: first & 0xffff, version: (first >>> 16) & 0x7fff})
      else frames.push({control: false, data: payload, flags, streamId: first & 0x7fffffff})
      offset += 8 + length
    }
    // Copy the partial frame: the chunk it came from may be reused by its owner.
    this.pending = Buffer.from(buffer.subarray(offset))
    return frames
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new FrameError(`control frame of ${payload.length} bytes`)
  const header = Buffer.alloc(8)
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0)
  header.writeUInt16BE(type, 2)
  header.writeUInt32BE(((flags & 0xff) * 0x1000000 + payload.length) >>> 0, 4)
  return Buffer.concat([header, payload])
}

/** One or more data frames (split at the 24-bit length limit); FIN goes on the last. */
export function dataFrames(streamId: number, data: Buffer, fin: boolean): Buffer[] {
  const frames: Buffer[] = []
  let offset = 0
  do {
    const piece = data.subarray(offset, offset + MAX_PAYLOAD)
    offset += piece.length
    const last = offset >= data.length
    const header = Buffer.alloc(8)
    header.writeUInt32BE(streamId & 0x7fffffff, 0)
    header.writeUInt32BE(((fin && last ? FLAG_FIN : 0) * 0x1000000 + piece.length) >>> 0, 4)
    frames.push(Buffer.concat([header, piece]))
  } while (offset < data.length)
  return frames
}

export function synStreamFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  const fixed = Buffer.alloc(10)
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0)
  return controlFrame(FrameType.synStream, flags, Buffer.concat([fixed, compressedHeaders]))
}

export function synReplyFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  return controlFrame(FrameType.synReply, flags, Buffer.concat([u32(streamId & 0x7fffffff), compressedHeaders]))
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.rstStream, 0, Buffer.concat([u32(streamId & 0x7fffffff), u32(status)]))
}

export function pingFrame(id: number): Buffer {
  return controlFrame(FrameType.ping, 0, u32(id))
}

export function goAwayFrame(lastGoodStreamId: number, status: number): Buffer {
  return controlFrame(FrameType.goAway, 0, Buffer.concat([u32(lastGoodStreamId & 0x7fffffff), u32(status)]))
}

/** The fields of a control frame's payload that the session needs. */
export function parseSynStream(payload: Buffer): {associatedTo: number; headerBlock: Buffer; streamId: number} {
  if (payload.length < 10) throw new FrameError('SYN_STREAM is too short')
  return {associatedTo: payload.readUInt32BE(4) & 0x7fffffff, headerBlock: payload.subarray(10), streamId: payload.readUInt32BE(0) & 0x7fffffff}
}

/** SYN_REPLY and HEADERS: a stream id, then a header block. */
export function parseStreamHeaders(payload: Buffer): {headerBlock: Buffer; streamId: number} {
  if (payload.length < 4) throw new FrameError('frame is too short')
  return {headerBlock: payload.subarray(4), streamId: payload.readUInt32BE(0) & 0x7fffffff}
}

/** RST_STREAM, GOAWAY and WINDOW_UPDATE: two 32-bit words; PING: one. */
export function parseWords(payload: Buffer, count: 1 | 2): number[] {
  if (payload.length !== 4 * count) throw new FrameError(`control frame payload of ${payload.length} bytes`)
  return count === 1 ? [payload.readUInt32BE(0)] : [payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4)]
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}
