import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {encodeFrame, FrameDecoder, Opcode} from '../../src/kube/ws-frames.js'

/** A server frame (unmasked), as the API server sends them. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const length = payload.length
  const head = length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, length]) : length < 65_536 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, length >> 8, length & 255]) : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 127]), Buffer.from(new BigUint64Array([BigInt(length)]).buffer).reverse()])
  return Buffer.concat([head, payload])
}

function decode(bytes: Buffer, chunkSize: number): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = []
  const decoder = new FrameDecoder({
    close: (code, reason) => events.push(['close', [code, reason]]),
    message: (data, binary) => events.push([binary ? 'binary' : 'text', data.toString('latin1')]),
    ping: (data) => events.push(['ping', data.toString()]),
    protocolError: (what) => events.push(['error', what]),
  })
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize))
  return events
}

describe('WebSocket frames', () => {
  test('a client frame is masked and unmasks to its payload, for every length form', () => {
    for (const length of [0, 5, 125, 126, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(length, 'a')
      const frame = encodeFrame(Opcode.binary, [Buffer.from([0]), payload])
      assert.equal(frame[0], 0x82)
      assert.ok(((frame[1] as number) & 0x80) !== 0, 'mask bit set')
      const size = length + 1
      const headerLength = size < 126 ? 2 : size < 65_536 ? 4 : 10
      const declared = size < 126 ? (frame[1] as number) & 0x7f : size < 65_536 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2))
      assert.equal(declared, size)
      const mask = frame.subarray(headerLength, headerLength + 4)
      const body = Buffer.from(frame.subarray(headerLength + 4).map((b, i) => b ^ (mask[i & 3] as number)))
      assert.deepEqual(body, Buffer.concat([Buffer.from([0]), payload]))
    }
  })

  test('server frames decode the same in any chunking, fragments reassembled, control frames between', () => {
    const big = Buffer.alloc(70_000, 'b')
    const bytes = Buffer.concat([
      serverFrame(Opcode.binary, Buffer.from('\x00\x7f\x10')),
      serverFrame(Opcode.binary, Buffer.from('ab'), false),
      serverFrame(Opcode.ping, Buffer.from('hi')),
      serverFrame(Opcode.continuation, Buffer.from('cd')),
      serverFrame(Opcode.binary, big),
      serverFrame(Opcode.text, Buffer.from('words')),
      serverFrame(Opcode.close, Buffer.from([0x03, 0xe8, 0x6f, 0x6b])),
      serverFrame(Opcode.binary, Buffer.from('after close')),
    ])
    const expected = [
      ['binary', '\x00\x7f\x10'],
      ['ping', 'hi'],
      ['binary', 'abcd'],
      ['binary', big.toString('latin1')],
      ['text', 'words'],
      ['close', [1000, 'ok']],
    ]
    for (const chunk of [1, 3, 13, 4096, bytes.length]) assert.deepEqual(decode(bytes, chunk), expected, `chunks of ${chunk}`)
  })

  test('protocol errors stop decoding: masked server frames, reserved bits, unknown opcodes, stray continuations', () => {
    const masked = Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5])
    const reserved = Buffer.from([0xc2, 0x00])
    const opcode = Buffer.from([0x83, 0x00])
    const stray = serverFrame(Opcode.continuation, Buffer.from('x'))
    const longPing = serverFrame(Opcode.ping, Buffer.alloc(126))
    for (const bad of [masked, reserved, opcode, stray, longPing]) {
      const events = decode(Buffer.concat([bad, serverFrame(Opcode.binary, Buffer.from('x'))]), 64)
      assert.equal(events.length, 1)
      assert.equal(events[0]?.[0], 'error')
    }
  })
})
