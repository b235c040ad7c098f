// The simulator's SPDY/3.1 port-forward, below kubectl: header compression against blocks kubectl
// really sent, framing, and the kubelet's stream pairing and refusals, driven frame by frame.
import assert from 'node:assert/strict'
import {constants as zlibConstants, inflateSync} from 'node:zlib'
import {after, describe, test} from 'node:test'

import {buildCluster, type SimPod} from '../build.js'
import {PodServers} from '../proxy/admin-server.js'
import {loadScenario} from '../scenario.js'
import {FLAG_FIN, FrameReader, FrameType, GoAwayStatus, RstStatus, dataFrames, goAwayFrame, parseWords, pingFrame, synStreamFrame, type Frame} from './frames.js'
import {HeaderDeflater, HeaderInflater, SPDY3_DICTIONARY, adler32, decodeHeaderBlock, encodeHeaderBlock} from './headers.js'
import {PortForwardStreams} from './port-forward.js'
import {SpdySession} from './session.js'

// SYN_STREAM header blocks kubectl 1.32 sent for three local connections to :4191 (error and
// data stream each), captured from the simulator: one zlib stream primed with the SPDY dictionary.
const KUBECTL_BLOCKS = [
  '78f9e3c6a7c202253a48f95b044eea268696a084c8590489af4c503a663400a7c492a2d4c45c6861c39a0a8a0a00000000ffff',
  '225333a8a44a04000000ffff',
  '82eac5612c7e230d01000000ffff',
  'c2aa19662c01bd00000000ffff',
  'a2c4622300000000ffff',
  'a2c0622300000000ffff',
]

describe('SPDY header blocks', () => {
  test('kubectl blocks inflate with the SPDY/3 dictionary, each referring back to the last', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423)
    // The zlib header of kubectl's first block names the dictionary by its Adler-32.
    assert.equal(Buffer.from(KUBECTL_BLOCKS[0] as string, 'hex').readUInt32BE(2), adler32(SPDY3_DICTIONARY))
    const inflater = new HeaderInflater()
    const headers = KUBECTL_BLOCKS.map((hex) => Object.fromEntries(decodeHeaderBlock(inflater.inflate(Buffer.from(hex, 'hex')))))
    assert.deepEqual(headers, [0, 0, 1, 1, 2, 2].map((id, i) => ({port: '4191', requestid: String(id), streamtype: i % 2 === 0 ? 'error' : 'data'})))
  })

  test('our blocks are one zlib stream any inflater reads, block by block', () => {
    const deflater = new HeaderDeflater()
    const blocks = [[], [['streamtype', 'data']], [['x', 'y'.repeat(70_000)]]].map((h) => encodeHeaderBlock(h as Array<[string, string]>))
    const compressed = blocks.map((b) => deflater.deflate(b))
    assert.deepEqual(inflateSync(Buffer.concat(compressed), {finishFlush: zlibConstants.Z_SYNC_FLUSH}), Buffer.concat(blocks))
    const inflater = new HeaderInflater()
    assert.deepEqual(compressed.map((c) => inflater.inflate(c)), blocks)
  })

  test('malformed blocks are errors, not guesses', () => {
    assert.throws(() => new HeaderInflater().inflate(Buffer.from('not zlib')), /not a zlib stream/)
    assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])), /truncated/)
    assert.throws(() => decodeHeaderBlock(encodeHeaderBlock([['a', '1'], ['a', '2']])), /duplicate header "a"/)
  })
})

describe('SPDY frames', () => {
  test('a byte stream cut anywhere gives the same frames', () => {
    const bytes = Buffer.concat([pingFrame(7), ...dataFrames(3, Buffer.from('hello'), true), goAwayFrame(5, 0)])
    for (let cut = 0; cut <= bytes.length; cut++) {
      const reader = new FrameReader()
      const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))]
      assert.deepEqual(
        frames.map((f) => (f.control ? [f.type, f.flags, f.payload.toString('hex')] : [f.streamId, f.flags, f.data.toString()])),
        [
          [FrameType.ping, 0, '00000007'],
          [3, FLAG_FIN, 'hello'],
          [FrameType.goAway, 0, '0000000500000000'],
        ],
      )
    }
  })
})

/** A kubectl-shaped client driving one server session in memory. */
function client(pod: SimPod, servers: PodServers, pairTimeoutMs?: number) {
  const fromServer = new FrameReader()
  const replyHeaders = new HeaderInflater()
  const deflater = new HeaderDeflater()
  const received: Frame[] = []
  const transport = {closed: false, close: () => (transport.closed = true), write: (b: Buffer) => received.push(...fromServer.push(b))}
  const streams = new PortForwardStreams(pod, servers, pairTimeoutMs)
  const session = new SpdySession(transport, streams.accept)
  session.onClose = () => streams.close()
  const synStream = (id: number, headers: Record<string, string>): Buffer => synStreamFrame(id, deflater.deflate(encodeHeaderBlock(Object.entries(headers))))
  const dataOn = (id: number) => received.filter((f) => !f.control && f.streamId === id) as Array<Extract<Frame, {control: false}>>
  const control = (type: number) => received.filter((f) => f.control && f.type === type) as Array<Extract<Frame, {control: true}>>
  return {
    control,
    data: (id: number) => Buffer.concat(dataOn(id).map((f) => f.data)),
    finished: (id: number) => dataOn(id).some((f) => f.flags & FLAG_FIN),
    open: (id: number, headers: Record<string, string>) => session.receive(synStream(id, headers)),
    /** Opens a pair's streams as kubectl does: the error stream (half-closed at once), then the data stream. */
    pair(requestId: string | undefined, port: number, errorId: number, request = ''): void {
      const headers = (type: string) => ({port: String(port), ...(requestId === undefined ? {} : {requestid: requestId}), streamtype: type})
      const dataId = errorId + 2
      const fin = (id: number, body: string) => dataFrames(id, Buffer.from(body), true)
      session.receive(Buffer.concat([synStream(errorId, headers('error')), ...fin(errorId, ''), synStream(dataId, headers('data')), ...(request ? fin(dataId, request) : [])]))
    },
    /** Stream id and headers of each SYN_REPLY (inflated in order: the header stream is shared). */
    replies: () => control(FrameType.synReply).map((f) => [f.payload.readUInt32BE(0), Object.fromEntries(decodeHeaderBlock(replyHeaders.inflate(f.payload.subarray(4))))]),
    resets: () => control(FrameType.rstStream).map((f) => parseWords(f.payload, 2)),
    session,
    transport,
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5))
  assert.ok(condition(), `timed out waiting for ${what}`)
}

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`

describe('SPDY port-forward streams (the kubelet side)', () => {
  const cluster = buildCluster(loadScenario('healthy'))
  const servers = new PodServers(cluster.pods)
  const pod = [...cluster.pods.values()].find((p) => p.namespace === 'emojivoto' && p.workload.name === 'web') as SimPod
  after(() => servers.close())

  test('a pair reaches the admin server; data sent with the SYN_STREAMs is kept; both streams end', async () => {
    const c = client(pod, servers)
    c.pair('0', 4191, 1, GET('/ready'))
    await until(() => c.finished(3) && c.finished(1), 'both FINs')
    assert.deepEqual(c.replies(), [
      [1, {}],
      [3, {}],
    ])
    assert.match(c.data(3).toString(), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nready\n$/)
    assert.equal(c.data(1).length, 0, 'nothing on the error stream')
    assert.deepEqual(c.resets(), [])
  })

  test('pairs interleave by request id; a client without request ids is paired by stream id', async () => {
    const c = client(pod, servers)
    const headers = (id: string, type: string) => ({port: '4191', requestid: id, streamtype: type})
    c.open(1, headers('a', 'error'))
    c.open(3, headers('b', 'error'))
    c.open(5, headers('b', 'data'))
    c.open(7, headers('a', 'data'))
    c.session.receive(Buffer.concat([...dataFrames(7, Buffer.from(GET('/live')), true), ...dataFrames(5, Buffer.from(GET('/ready')), true)]))
    await until(() => c.finished(5) && c.finished(7), 'both data streams')
    assert.match(c.data(7).toString(), /\r\n\r\nlive\n$/)
    assert.match(c.data(5).toString(), /\r\n\r\nready\n$/)

    const old = client(pod, servers)
    old.pair(undefined, 8080, 1, GET('/'))
    await until(() => old.finished(3), 'the data stream')
    assert.match(old.data(3).toString(), new RegExp(`^HTTP/1\\.1 200 OK\r\n[^]*hello from ${pod.name}\n`))
  })

  test('a refused port is reported on the error stream, then both streams end', async () => {
    const c = client(pod, servers)
    c.pair('0', 9999, 1)
    await until(() => c.finished(1) && c.finished(3), 'both FINs')
    assert.match(c.data(1).toString(), /^error forwarding port 9999 to pod [0-9a-f-]+, uid : .*dial tcp4 127\.0\.0\.1:9999: connect: connection refused/)
    assert.equal(c.data(3).length, 0)
  })

  test('streams the kubelet refuses: RST_STREAM; a second stream of one type: a message on the error stream', () => {
    const c = client(pod, servers)
    c.open(1, {requestid: '0', streamtype: 'data'})
    c.open(3, {port: '0', requestid: '0', streamtype: 'data'})
    c.open(5, {port: '70000', requestid: '0', streamtype: 'data'})
    c.open(7, {port: '4191', requestid: '0', streamtype: 'stdin'})
    c.open(9, {port: '4191', requestid: '1', streamtype: 'error'})
    c.open(11, {port: '4191', requestid: '1', streamtype: 'error'})
    assert.deepEqual(c.resets(), [1, 3, 5, 7, 11].map((id) => [id, RstStatus.cancel]))
    assert.equal(c.data(9).toString(), 'error processing stream for request 1: error stream already assigned')
    assert.equal(c.transport.closed, false, 'the connection goes on')
  })

  test('a pair that never completes times out with a message', async () => {
    const c = client(pod, servers, 20)
    c.open(1, {port: '4191', requestid: '0', streamtype: 'error'})
    await until(() => c.data(1).length > 0, 'the timeout message')
    assert.equal(c.data(1).toString(), 'timed out waiting for streams of request 0')
  })

  test('PINGs from the client are echoed; GOAWAY ends the connection and its pod connections', async () => {
    const c = client(pod, servers)
    c.session.receive(Buffer.concat([pingFrame(1), pingFrame(2)]))
    assert.deepEqual(
      c.control(FrameType.ping).map((f) => f.payload.readUInt32BE(0)),
      [1],
    )
    // The proxy counts its open admin connections: one while the pair waits for a request.
    const open = (): number => servers.runtime(pod).admin.connsOpen
    const before = open()
    c.pair('0', 4191, 3)
    await until(() => open() === before + 1, 'the admin connection')
    c.session.receive(goAwayFrame(0, GoAwayStatus.ok))
    assert.equal(c.transport.closed, true)
    assert.equal(c.session.closed, true)
    await until(() => open() === before, 'the admin connection to close')
  })

  test('bytes that are not SPDY/3: GOAWAY with a protocol error, and the connection closes', () => {
    const c = client(pod, servers)
    c.session.receive(Buffer.from('8002000100000000', 'hex')) // a SPDY/2 SYN_STREAM
    assert.deepEqual(
      c.control(FrameType.goAway).map((f) => parseWords(f.payload, 2)),
      [[0, GoAwayStatus.protocolError]],
    )
    assert.equal(c.transport.closed, true)
  })
})
