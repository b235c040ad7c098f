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

  test('cut short, garbage or too large is an HttpResponseError', () => {
    assert.throws(() => read('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort', 4), /in the middle of the answer/)
    assert.throws(() => read('', 4), /closed before an answer/)
    assert.throws(() => read('SSH-2.0-OpenSSH\r\n\r\n', 4), HttpResponseError)
    assert.throws(() => read('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 4), /invalid chunk size/)
    assert.throws(() => read('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', 4, 10), /larger than 10 bytes/)
    assert.throws(() => read(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(20)}`, 4, 10), /larger than 10 bytes/)
  })
})
