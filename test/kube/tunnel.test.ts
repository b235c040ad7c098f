// Our v4.channel.k8s.io tunnel: against the simulated cluster (TLS, real framing, session
// resumption) and against a tiny WebSocket server that misbehaves on purpose (garbage framing,
// big bodies, silence, refusals).
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {IncomingMessage} from 'node:http'
import {createServer as createHttpsServer, type Server} from 'node:https'
import type {AddressInfo, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {createServer as createTlsServer} from 'node:tls'

import {WebSocketServer, type WebSocket} from 'ws'

import {ClusterError, TimeoutError} from '../../src/errors.js'
import {PortForwardError} from '../../src/kube/errors.js'
import type {ClusterTransport} from '../../src/kube/transport.js'
import {PortForwarder} from '../../src/kube/port-forward.js'
import {PORT_FORWARD_PROTOCOL} from '../../src/kube/tunnel.js'
import {KubeErrorCode} from '../../src/kube/types.js'
import {makeApiPki} from '../cluster/pki.js'
import {connectProxy, socksProxy} from '../helpers/proxies.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {transportFor, transportTo} from '../helpers/transport.js'

// The fake API servers below speak TLS: credentials never go to a plain-http server (as in kubectl).
const pki = makeApiPki()
const ca = Buffer.from(pki.ca.certPem)

describe('tunnel against the simulated cluster', () => {
  let sim: Sim
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
  })
  after(() => sim.stop())

  for (const which of ['token', 'client-certificate'] as const) {
    test(`one TLS context for every tunnel, later tunnels resume the session (${which})`, async () => {
      const forwarder = new PortForwarder(transportFor(sim.kubeconfigPath, which === 'token' ? undefined : sim.certContextName), 5000)
      const pods = sim.cluster.podsOf('emojivoto', 'web')
      const [pod] = pods
      assert.ok(pod)
      const ref = {name: pod.name, namespace: pod.namespace}
      await forwarder.get(ref, 4191, '/ready')
      const answers = await Promise.all(Array.from({length: 6}, () => forwarder.get(ref, 4191, '/metrics')))
      assert.ok(answers.every((a) => a.status === 200 && a.body.endsWith('# EOF\n')))
      assert.ok(forwarder.dialer.resumed >= 6, `resumed ${forwarder.dialer.resumed} of 6`)
    })
  }

  test('tunnels dialled together wait for the first full handshake and resume its session', async () => {
    const forwarder = new PortForwarder(transportFor(sim.kubeconfigPath), 5000)
    const pods = sim.cluster.podsOf('emojivoto', 'web')
    const refs = Array.from({length: 8}, (_, i) => pods[i % pods.length]).map((p) => ({name: p?.name ?? '', namespace: p?.namespace ?? ''}))
    const answers = await Promise.all(refs.map((ref) => forwarder.get(ref, 4191, '/ready')))
    assert.ok(answers.every((a) => a.status === 200))
    // One full handshake; without waiting for its session all eight would have done one.
    assert.equal(forwarder.dialer.resumed, 7)
  })

  for (const kind of ['HTTP CONNECT', 'SOCKS5 with a password'] as const) {
    test(`through an ${kind} proxy (the cluster's proxy-url), tunnels still open and answer`, async () => {
      const proxy = kind === 'HTTP CONNECT' ? await connectProxy() : await socksProxy({password: 'pr0xy-pass', user: 'alice'})
      const dir = mkdtempSync(join(tmpdir(), 'meshport-proxy-'))
      try {
        const path = join(dir, 'kubeconfig')
        const proxyUrl = kind === 'HTTP CONNECT' ? proxy.url : proxy.url.replace('//', '//alice:pr0xy-pass@')
        writeFileSync(path, readFileSync(sim.kubeconfigPath, 'utf8').replace(/^(\s+)server: (.*)$/m, `$1server: $2\n$1proxy-url: ${proxyUrl}`))
        const transport = transportFor(path)
        assert.equal(transport.proxy?.href.replace(/\/$/, ''), proxyUrl)
        const [pod] = sim.cluster.podsOf('emojivoto', 'web')
        assert.ok(pod)
        const answers = await new PortForwarder(transport, 5000).getMany({name: pod.name, namespace: pod.namespace}, 4191, ['/ready', '/metrics'])
        assert.deepEqual(answers.map((a) => (a instanceof Error ? a.message : a.status)), [200, 200])
        assert.deepEqual(proxy.tunnels.map((t) => t.target), [new URL(sim.cluster.server).host])
        if (kind !== 'HTTP CONNECT') assert.equal(proxy.tunnels[0]?.authorization, 'alice:pr0xy-pass')
      } finally {
        await proxy.close()
        rmSync(dir, {force: true, recursive: true})
      }
    })
  }

  test('a refused port names the pod and port; a missing pod too', async () => {
    const forwarder = new PortForwarder(transportFor(sim.kubeconfigPath), 5000)
    const [pod] = sim.cluster.podsOf('emojivoto', 'web')
    assert.ok(pod)
    await assert.rejects(forwarder.get({name: pod.name, namespace: pod.namespace}, 9999, '/'), (err: unknown) => {
      assert.ok(err instanceof PortForwardError)
      assert.match(err.message, new RegExp(`pod/${pod.name} in emojivoto port 9999 failed: .*refused`))
      return true
    })
    await assert.rejects(forwarder.get({name: 'ghost', namespace: 'emojivoto'}, 4191, '/'), /pod\/ghost in emojivoto port 4191 failed: pods "ghost" not found/)
  })
})

type Behaviour = (ws: WebSocket, req: IncomingMessage) => void

/** A TLS API server whose portforward endpoint runs `behave` for each tunnel. */
async function fakeApi(behave: Behaviour, statusOf: number | ((req: IncomingMessage) => number) = 101): Promise<{close: () => Promise<void>; transport: ClusterTransport; server: string; seen: IncomingMessage[]}> {
  const seen: IncomingMessage[] = []
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({handleProtocols: (p) => (p.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false), noServer: true})
  const http: Server = createHttpsServer({cert: pki.server.certPem, key: pki.server.keyPem}, (_req, res) => res.writeHead(404).end())
  http.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(req)
    const status = typeof statusOf === 'number' ? statusOf : statusOf(req)
    if (status !== 101) {
      const body = JSON.stringify({code: status, kind: 'Status', message: 'no'})
      socket.end(`HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => behave(ws, req))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const server = `https://127.0.0.1:${(http.address() as AddressInfo).port}`
  const close = async (): Promise<void> => {
    for (const ws of wss.clients) ws.terminate()
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }
  return {close, server, seen, transport: transportTo(server, {cluster: {ca}})}
}

const prefix = (channel: number, port: number): Buffer => Buffer.from([channel, port & 0xff, port >> 8])
const data = (payload: Buffer | string): Buffer => Buffer.concat([Buffer.from([0]), Buffer.from(payload)])

/** Answers each request on channel 0 with `response`, split in 16 KiB messages, then closes. */
function answering(response: (request: string) => Buffer): Behaviour {
  return (ws, req) => {
    const port = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ports'))
    ws.send(prefix(0, port))
    ws.send(prefix(1, port))
    let request = ''
    ws.on('message', (msg: Buffer) => {
      assert.equal(msg[0], 0)
      request += msg.subarray(1).toString()
      if (!request.includes('\r\n\r\n')) return
      const out = response(request)
      for (let i = 0; i < out.length; i += 16_384) ws.send(data(out.subarray(i, i + 16_384)))
      ws.close(1000)
    })
  }
}

describe('tunnel framing and parsing', () => {
  const ref = {name: 'web-1', namespace: 'shop'}

  test('sends the bearer token and a raw GET; a body > 64 KiB arrives whole', async () => {
    const big = 'x'.repeat(300 * 1024)
    let request = ''
    const api = await fakeApi(
      answering((r) => {
        request = r
        return Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${big.length}\r\n\r\n${big}`)
      }),
    )
    try {
      const result = await new PortForwarder(api.transport, 5000).get(ref, 4191, '/metrics')
      assert.equal(result.status, 200)
      assert.equal(result.body.length, big.length)
      assert.equal(result.headers['content-type'], 'text/plain')
      assert.match(request, /^GET \/metrics HTTP\/1\.1\r\n/)
      assert.equal(api.seen[0]?.headers.authorization, 'Bearer sekret')
      assert.equal(api.seen[0]?.url, '/api/v1/namespaces/shop/pods/web-1/portforward?ports=4191')
    } finally {
      await api.close()
    }
  })

  test('a chunked response (no content-length) is decoded', async () => {
    const api = await fakeApi(answering(() => Buffer.from('HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n5\r\nnot r\r\n5\r\neady\n\r\n0\r\n\r\n')))
    try {
      const result = await new PortForwarder(api.transport, 5000).get(ref, 4191, '/ready')
      assert.deepEqual([result.status, result.body], [503, 'not ready\n'])
    } finally {
      await api.close()
    }
  })

  test('several GETs share one tunnel and one keep-alive connection; after a close the rest fail', async () => {
    const requests: string[] = []
    const api = await fakeApi((ws) => {
      ws.send(prefix(0, 4191))
      ws.send(prefix(1, 4191))
      let pending = ''
      ws.on('message', (msg: Buffer) => {
        pending += msg.subarray(1).toString()
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          const request = pending.slice(0, end)
          pending = pending.slice(end + 4)
          requests.push(request)
          const path = request.split(' ')[1] ?? ''
          const closing = path === '/ready'
          const body = `answer for ${path}`
          ws.send(data(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}${closing ? '\r\nconnection: close' : ''}\r\n\r\n${body}`))
          if (closing) ws.close(1000)
        }
      })
    })
    try {
      const forwarder = new PortForwarder(api.transport, 5000)
      const answers = await forwarder.getMany(ref, 4191, ['/live', '/ready', '/metrics'])
      assert.equal(api.seen.length, 1, 'one tunnel')
      assert.deepEqual(
        answers.slice(0, 2).map((a) => (a instanceof Error ? a.message : a.body)),
        ['answer for /live', 'answer for /ready'],
      )
      assert.ok(answers[2] instanceof PortForwardError, JSON.stringify(answers[2]))
      assert.match(requests[0] ?? '', /Connection: keep-alive/)
      assert.equal(requests.length, 2)
    } finally {
      await api.close()
    }
  })

  test('error-channel text becomes a PortForwardError naming pod and port', async () => {
    const api = await fakeApi((ws) => {
      ws.send(prefix(0, 4191))
      ws.send(prefix(1, 4191))
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('dial tcp 10.0.0.1:4191: connect: connection refused')]))
      ws.close(1000)
    })
    try {
      await assert.rejects(new PortForwarder(api.transport, 5000).get(ref, 4191, '/ready'), (err: unknown) => {
        assert.ok(err instanceof PortForwardError, String(err))
        assert.equal(err.message, 'port-forward to pod/web-1 in shop port 4191 failed: dial tcp 10.0.0.1:4191: connect: connection refused')
        return true
      })
    } finally {
      await api.close()
    }
  })

  test('garbage framing is refused, not parsed', async () => {
    for (const send of [(ws: WebSocket) => ws.send('hello'), (ws: WebSocket) => ws.send(data('HTTP/1.1 200 OK\r\n\r\n')), (ws: WebSocket) => ws.send(Buffer.from([7, 1, 2]))]) {
      const api = await fakeApi((ws) => send(ws))
      try {
        await assert.rejects(new PortForwarder(api.transport, 5000).get(ref, 4191, '/'), /port-forward to pod\/web-1 in shop port 4191 failed: the API server sent .*v4\.channel\.k8s\.io framing/)
      } finally {
        await api.close()
      }
    }
  })

  // The timeout that fires is the request timeout (its message names it); the test's own timeout
  // only guards against a hang, so a loaded machine cannot fail it.
  test('a silent pod times out within the request timeout; withPortForward too', {timeout: 30_000}, async () => {
    const api = await fakeApi((ws) => {
      ws.send(prefix(0, 4191))
      ws.send(prefix(1, 4191))
    })
    try {
      const forwarder = new PortForwarder(api.transport, 300)
      await assert.rejects(forwarder.get(ref, 4191, '/'), (err: unknown) => err instanceof TimeoutError && /no answer within 300ms/.test(err.message))
      const {httpGet} = await import('../../src/kube/port-forward.js')
      await assert.rejects(forwarder.withPortForward(ref, 4191, (port) => httpGet(port, '/')), TimeoutError)
    } finally {
      await api.close()
    }
  })

  test('a 401 resolves exec-plugin credentials again and retries once; not again within the refresh interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshport-exec-'))
    const plugin = join(dir, 'token.mjs')
    // An exec credential plugin whose token changes on every run (no expiry: cached for the run).
    writeFileSync(
      plugin,
      `import {existsSync, readFileSync, writeFileSync} from 'node:fs'\n` +
        `const f = ${JSON.stringify(join(dir, 'n'))}; const n = existsSync(f) ? Number(readFileSync(f, 'utf8')) + 1 : 1; writeFileSync(f, String(n))\n` +
        `console.log(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: 't' + n}}))\n`,
    )
    let accepted = 'Bearer t2'
    const api = await fakeApi(answering(() => Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')), (req) => (req.headers.authorization === accepted ? 101 : 401))
    try {
      const exec = {apiVersion: 'client.authentication.k8s.io/v1', args: [plugin], command: process.execPath, env: [], installHint: undefined, interactiveMode: 'Never' as const, provideClusterInfo: false}
      const withRefresh = (refreshEveryMs: number): ClusterTransport => transportTo(api.server, {cluster: {ca}, refreshEveryMs, user: {exec, token: undefined}})
      const fresh = new PortForwarder(withRefresh(0), 5000)
      assert.equal((await fresh.get(ref, 4191, '/')).body, 'ok')
      assert.deepEqual(api.seen.map((r) => r.headers.authorization), ['Bearer t1', 'Bearer t2'])
      // Another client of the same run shares the plugin's credential (t2); now rejected, it is not
      // fetched again so soon after the last fetch.
      accepted = 'Bearer t3'
      const patient = new PortForwarder(withRefresh(60_000), 5000)
      await assert.rejects(patient.get(ref, 4191, '/'), (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unauthorized)
      assert.equal(api.seen.length, 3, 'no retry within the refresh interval')
    } finally {
      await api.close()
      rmSync(dir, {force: true, recursive: true})
    }
  })

  test('401 and 403 on the upgrade are cluster errors', async () => {
    for (const [status, code] of [
      [401, KubeErrorCode.unauthorized],
      [403, KubeErrorCode.forbidden],
    ] as const) {
      const api = await fakeApi(() => {}, status)
      try {
        await assert.rejects(new PortForwarder(api.transport, 5000).get(ref, 4191, '/'), (err: unknown) => err instanceof ClusterError && err.code === code)
      } finally {
        await api.close()
      }
    }
  })
})

describe('the upgrade request itself', () => {
  const ref = {name: 'web-1', namespace: 'shop'}

  /** A TCP server that reads the upgrade request and answers with `reply` (undefined: hangs up). */
  async function rawApi(reply: string | undefined): Promise<{close: () => Promise<void>; transport: ClusterTransport; server: string; requests: string[]}> {
    const requests: string[] = []
    const server = createTlsServer({cert: pki.server.certPem, key: pki.server.keyPem}, (socket) => {
      let text = ''
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1')
        if (!text.includes('\r\n\r\n')) return
        requests.push(text)
        if (reply === undefined) socket.destroy()
        else socket.end(reply)
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {close: () => new Promise<void>((resolve) => server.close(() => resolve())), requests, server: url, transport: transportTo(url, {cluster: {ca}})}
  }

  test('is one HTTP/1.1 GET with the WebSocket headers and the credentials', async () => {
    const api = await rawApi(undefined)
    try {
      await assert.rejects(new PortForwarder(api.transport, 5000).get(ref, 4191, '/'))
      const [request = ''] = api.requests
      assert.match(request, /^GET \/api\/v1\/namespaces\/shop\/pods\/web-1\/portforward\?ports=4191 HTTP\/1\.1\r\n/)
      for (const header of [/\r\nHost: 127\.0\.0\.1:\d+\r\n/i, /\r\nauthorization: Bearer sekret\r\n/i, /\r\nupgrade: websocket\r\n/i, /\r\nconnection: Upgrade\r\n/i, /\r\nsec-websocket-protocol: v4\.channel\.k8s\.io\r\n/i, /\r\nsec-websocket-version: 13\r\n/i, /\r\nsec-websocket-key: [A-Za-z0-9+/]{22}==\r\n/i]) {
        assert.match(request, header)
      }
    } finally {
      await api.close()
    }
  })

  test('a hang-up, an answer that is not HTTP, or a non-101 without a Status body are errors naming the cause', async () => {
    for (const [reply, pattern] of [
      [undefined, /closed the connection before answering the upgrade|ECONNRESET|reset/i],
      ['SSH-2.0-OpenSSH_9.6\r\n\r\n', /not an HTTP\/1\.1 answer/],
      ['HTTP/1.1 502 Bad Gateway\r\ncontent-length: 3\r\n\r\nbad', /answered 502/],
    ] as const) {
      const api = await rawApi(reply)
      try {
        await assert.rejects(new PortForwarder(api.transport, 5000).get(ref, 4191, '/'), (err: unknown) => {
          assert.ok(err instanceof Error)
          assert.match(err.message, pattern)
          return true
        })
      } finally {
        await api.close()
      }
    }
  })

  test('a credential with a line break is refused, not sent as extra headers', async () => {
    const api = await rawApi('HTTP/1.1 500 X\r\ncontent-length: 0\r\n\r\n')
    try {
      const transport = transportTo(api.server, {cluster: {ca}, user: {token: 'a\r\nx-injected: 1'}})
      await assert.rejects(new PortForwarder(transport, 5000).get(ref, 4191, '/'), /the token of user "u" contains a line break/)
      assert.equal(api.requests.length, 0)
    } finally {
      await api.close()
    }
  })
})
