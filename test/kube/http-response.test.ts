import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {HttpResponseError, HttpResponseReader} from '../../src/kube/http-response.js'
import type {HttpResult} from '../../src/kube/types.js'

function read(text: string, chunkSize: number, max = 1 << 20): HttpResult {
  const reader = new HttpResponseReader(max)
  const bytes = Buffer.from(text, 'latin1')
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const done = reader.push(bytes.subarray(i, i + chunkSize))
    if (done) return done
  }
  return reader.end()
}

describe('HttpResponseReader', () => {
  const cases: Array<[string, string, HttpResult]> = [
    ['content-length', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nready\nEXTRA', {body: 'ready\n', headers: {'content-length': '6', 'content-type': 'text/plain'}, status: 200}],
    ['chunked with extensions and trailers', 'HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\nnot r\r\n5\r\neady\n\r\n0\r\ntrailer: y\r\n\r\n', {body: 'not ready\n', headers: {'transfer-encoding': 'chunked'}, status: 503}],
    ['close-delimited', 'HTTP/1.0 200 OK\r\n\r\nuntil the end', {body: 'until the end', headers: {}, status: 200}],
    ['an interim 100 first, repeated headers joined', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nvary: a\r\nVary: b\r\ncontent-length: 0\r\n\r\n', {body: '', headers: {'content-length': '0', vary: 'a, b'}, status: 404}],
  ]
  for (const [name, text, expected] of cases) {
    test(`${name}, in any chunking`, () => {
      for (const chunk of [1, 2, 7, text.length]) assert.deepEqual(read(text, chunk), expected, `chunks of ${chunk}`)
    })
  }

  test('a multi-byte UTF-8 body split across chunks stays whole', () => {
    const body = 'héllo wörld'
    const text = `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`
    const reader = new HttpResponseReader(1024)
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from(body)])
    let result: HttpResult | undefined
    for (let i = 0; i < bytes.length; i++) result ??= reader.push(bytes.subarray(i, i + 1))
    assert.equal(result?.body, body)
  })

  test('upgrade mode: a 101 ends the answer and leaves the next protocol\'s bytes; a refusal is read whole', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n'
    const frames = Buffer.from([0x82, 0x03, 0x00, 0x7f, 0x10])
    for (const split of [1, 10, head.length, head.length + 2]) {
      const reader = new HttpResponseReader(1024, true)
      const bytes = Buffer.concat([Buffer.from(head, 'latin1'), frames])
      const answer = reader.push(bytes.subarray(0, split)) ?? reader.push(bytes.subarray(split))
      assert.equal(answer?.status, 101)
      assert.equal(answer?.headers['sec-websocket-protocol'], 'v4.channel.k8s.io')
      // Bytes that came with the head are the tunnel's; later ones go to it straight from the socket.
      const rest = split >= head.length ? Buffer.concat([reader.rest(), bytes.subarray(split)]) : reader.rest()
      assert.deepEqual(rest, frames, `split at ${split}`)
    }
    const refused = new HttpResponseReader(1024, true)
    const answer = refused.push(Buffer.from('HTTP/1.1 403 Forbidden\r\ncontent-length: 9\r\n\r\nforbidden'))
    assert.deepEqual(answer, {body: 'forbidden', headers: {'content-length': '9'}, status: 403})
    // Outside upgrade mode a 1xx stays an interim answer.
    assert.throws(() => read(`${head}`, 4), /closed before an answer/)
  })

  test('cut short, garbage or too large is an HttpResponseError', () => {
    assert.throws(() => read('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort', 4), /in the middle of the answer/)
    assert.throws(() => read('', 4), /closed before an answer/)
    assert.throws(() => read('SSH-2.0-OpenSSH\r\n\r\n', 4), HttpResponseError)
    assert.throws(() => read('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 4), /invalid chunk size/)
    assert.throws(() => read('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', 4, 10), /larger than 10 bytes/)
    assert.throws(() => read(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(20)}`, 4, 10), /larger than 10 bytes/)
  })
})
