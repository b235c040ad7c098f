// A TLS proxy between the CLI and the simulated API server that breaks things on purpose: status
// codes (with Retry-After), hangs, slow answers, resets (per request, or every Nth connection the
// way a flaky load balancer does), bodies that are not JSON or are cut short, and port-forwards
// that upgrade and then stall, drop or send garbage. It terminates TLS with the simulator's own
// server certificate, so the CLI trusts it through the same kubeconfig CA, and forwards the rest.
//
//   const proxy = await startFaultProxy(sim, {kind: 'status', status: 429, retryAfter: 1, every: 3})
//   await runCli(['check', '--kubeconfig', proxy.kubeconfigPath])
//   await proxy.stop()
//
// API faults apply to plain requests and leave port-forward upgrades alone; forward-* faults are
// the other way round; pods-proxy-* faults apply only to GETs through `pods/NAME:PORT/proxy` (how
// meshport reaches proxies' admin ports unless --scrape-via port-forward) and pass the rest;
// reset-connections applies to every TCP connection. With `{http2: true}` the proxy offers h2 by
// ALPN as an API server does, so the API session's streams meet the faults (HTTP/1.1 clients,
// client-node's and the port-forward upgrades, still get HTTP/1.1).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {Agent, createServer, request, type Server} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {constants as h2, createSecureServer, type Http2ServerRequest, type Http2ServerResponse} from 'node:http2'
import type {AddressInfo, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {statusBody} from '../cluster/api-server.js'
import type {Sim} from './sim.js'

export type Fault =
  /** Every (or every `every`th) API request answered with this status and a Status body. */
  | {kind: 'status'; status: number; retryAfter?: number; every?: number}
  /** API requests are read and never answered. */
  | {kind: 'hang'}
  /** API answers arrive `delayMs` late. */
  | {kind: 'slow'; delayMs: number}
  /** API requests are read, then their connection is reset. */
  | {kind: 'reset'}
  /** Every `every`th TCP connection (API or port-forward) is reset as it is accepted. */
  | {kind: 'reset-connections'; every: number}
  /** API requests get 200 with an HTML page that holds escape sequences. */
  | {kind: 'html'}
  /** API answers are cut in half and their connection closed. */
  | {kind: 'truncated'}
  /** Port-forwards are upgraded, then nothing more passes either way. */
  | {kind: 'forward-stall'}
  /** Port-forwards are upgraded, then the connection is closed. */
  | {kind: 'forward-drop'}
  /** Port-forwards are upgraded, then bytes that are not WebSocket frames arrive. */
  | {kind: 'forward-garble'}
  /** Port-forward upgrade requests are read, then their connection is reset before any answer. */
  | {kind: 'forward-reset'}
  /** pods/proxy GETs are read and never answered. */
  | {kind: 'pods-proxy-stall'}
  /** pods/proxy GETs are reset before any answer (an HTTP/2 stream reset, or the connection). */
  | {kind: 'pods-proxy-reset'}
  /** pods/proxy GETs get 200 with a body that is no proxy's answer, escape sequences in it. */
  | {kind: 'pods-proxy-garble'}
  /** pods/proxy GETs get the API server's 503 Status for a pod it cannot dial. */
  | {kind: 'pods-proxy-unreachable'}

/** `/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/...`: a GET through the pods/proxy subresource. */
const PODS_PROXY = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/proxy(\/|$)/

/** What a broken middlebox answers a proxy's admin endpoint with: no Prometheus text, no probe answer. */
export const GARBLED = '\u001B]0;pwned\u0007\u001B[2J<<not a proxy>>\u009B31m\n'

/** Headers HTTP/2 forbids (RFC 9113 8.2.2), left out of every relayed answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])
/** What a hostile or broken middlebox answers instead of JSON: a title and a screen clear. */
export const HOSTILE_HTML = '<html><head><title>\u001B]0;pwned\u0007</title></head><body>\u001B[2J\u001B[31mBad gateway\u009B1m</body></html>\n'

/** A TCP reset (RST) under a TLS connection: resetAndDestroy works on the TCP socket it wraps. */
function reset(socket: Socket): void {
  const tcp = (socket as Socket & {_parent?: Socket})._parent ?? socket
  tcp.resetAndDestroy()
}

export interface FaultProxy {
  url: string
  /** The simulator's kubeconfig with the server pointed at this proxy. */
  kubeconfigPath: string
  /** Requests seen (`METHOD path` or `UPGRADE path`), for tests that count retries. */
  seen: string[]
  /** How many of them came as HTTP/2 streams. */
  http2Requests(): number
  stop(): Promise<void>
}

type Req = IncomingMessage | Http2ServerRequest
type Res = ServerResponse | Http2ServerResponse

export async function startFaultProxy(sim: Sim, fault: Fault | undefined, options: {http2?: boolean} = {}): Promise<FaultProxy> {
  const upstream = new URL(sim.cluster.server)
  const sockets = new Set<Socket>()
  const seen: string[] = []
  let connections = 0
  let apiRequests = 0
  const tls = {cert: sim.cluster.pki.server.certPem, key: sim.cluster.pki.server.keyPem}
  let streams = 0
  const handle = (req: Req, res: Res): void => {
    if (req.httpVersionMajor === 2) streams++
    seen.push(`${req.method ?? 'GET'} ${req.url ?? ''}`)
    apiRequests++
    onRequest(req, res)
  }
  const server: Server = options.http2 ? (createSecureServer({...tls, allowHTTP1: true}, handle) as unknown as Server) : createServer(tls, handle)
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (fault?.kind === 'reset-connections' && connections % fault.every === 0) socket.resetAndDestroy()
  })
  server.on('tlsClientError', () => {})
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(`UPGRADE ${req.url ?? ''}`)
    onUpgrade(req, socket, head)
  })

  // Plain requests reuse connections to the simulator (a TLS handshake each would double the
  // test process's work); an upgrade takes a connection of its own.
  const agent = new Agent({keepAlive: true, rejectUnauthorized: false})
  const forwardOptions = (req: Req, upgrade = false) => ({
    agent: upgrade ? (false as const) : agent,
    // HTTP/2's pseudo-headers (:path, :authority, …) are no HTTP/1.1 headers.
    headers: {...Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith(':'))), host: upstream.host},
    hostname: upstream.hostname,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    port: Number(upstream.port),
    rejectUnauthorized: false,
  })

  /** The real answer, whole, for faults that change it. */
  const fetchUpstream = (req: Req, body: Buffer): Promise<{status: number; headers: Record<string, string | string[] | undefined>; body: Buffer}> =>
    new Promise((resolve, reject) => {
      const up = request(forwardOptions(req), (answer) => {
        const chunks: Buffer[] = []
        answer.on('data', (c: Buffer) => chunks.push(c))
        answer.on('end', () => resolve({body: Buffer.concat(chunks), headers: answer.headers, status: answer.statusCode ?? 502}))
        answer.on('error', reject)
      })
      up.on('error', reject)
      up.end(body)
    })

  const pass = (req: Req, res: Res, body: Buffer, cut = false): void => {
    fetchUpstream(req, body).then(
      (answer) => {
        const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)))
        res.writeHead(answer.status, {...headers, 'content-length': String(answer.body.length)})
        if (!cut) {
          res.end(answer.body)
          return
        }
        // Half the body, then the connection goes: content-length promised more.
        ;(res as ServerResponse).write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy())
      },
      () => req.socket.destroy(),
    )
  }

  /** A reset before any answer: the stream's on HTTP/2 (the connection carries others), else the connection. */
  const resetRequest = (req: Req): void => {
    if ('stream' in req) req.stream.close(h2.NGHTTP2_INTERNAL_ERROR)
    else reset(req.socket)
  }

  const onRequest = (req: Req, res: Res): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (fault?.kind.startsWith('pods-proxy-')) {
        if (!PODS_PROXY.test((req.url ?? '').split('?', 1)[0] ?? '')) return pass(req, res, body)
        switch (fault.kind) {
          case 'pods-proxy-stall':
            return
          case 'pods-proxy-reset':
            return resetRequest(req)
          case 'pods-proxy-garble':
            res.writeHead(200, {'content-length': String(Buffer.byteLength(GARBLED)), 'content-type': 'text/plain'})
            res.end(GARBLED)
            return
          case 'pods-proxy-unreachable': {
            const text = JSON.stringify(statusBody(503, 'error trying to reach service: dial tcp 10.0.0.1:4191: connect: connection refused'))
            res.writeHead(503, {'content-length': String(Buffer.byteLength(text)), 'content-type': 'application/json'})
            res.end(text)
            return
          }
        }
      }
      switch (fault?.kind) {
        case 'status': {
          if (fault.every !== undefined && apiRequests % fault.every !== 0) return pass(req, res, body)
          const text = JSON.stringify(statusBody(fault.status, fault.status === 429 ? 'Too many requests, please try again later.' : `simulated ${fault.status}`))
          const headers: Record<string, string> = {'content-length': String(Buffer.byteLength(text)), 'content-type': 'application/json'}
          if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
          res.writeHead(fault.status, headers)
          res.end(text)
          return
        }
        case 'hang':
          return
        case 'slow':
          setTimeout(() => pass(req, res, body), fault.delayMs)
          return
        case 'reset':
          reset(req.socket)
          return
        case 'html':
          res.writeHead(200, {'content-length': String(Buffer.byteLength(HOSTILE_HTML)), 'content-type': 'text/html; charset=utf-8'})
          res.end(HOSTILE_HTML)
          return
        case 'truncated':
          return pass(req, res, body, true)
        default:
          return pass(req, res, body)
      }
    })
  }

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => {})
    if (fault?.kind === 'forward-reset') {
      reset(socket)
      return
    }
    const up = request(forwardOptions(req, true))
    up.on('upgrade', (answer: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      sockets.add(upSocket)
      upSocket.on('close', () => sockets.delete(upSocket))
      upSocket.on('error', () => socket.destroy())
      let text = `HTTP/1.1 101 Switching Protocols\r\n`
      for (let i = 0; i < answer.rawHeaders.length; i += 2) text += `${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`
      socket.write(`${text}\r\n`)
      switch (fault?.kind) {
        case 'forward-stall':
          return // both sides stay open, nothing passes
        case 'forward-drop':
          socket.end()
          upSocket.destroy()
          return
        case 'forward-garble':
          // An ESC byte is no WebSocket frame header a client may accept (reserved opcode 0xB).
          socket.write(Buffer.from('\u001B[2J\u001B]0;pwned\u0007 not a frame\r\n', 'latin1'))
          return
        default:
          if (upHead.length > 0) socket.write(upHead)
          if (head.length > 0) upSocket.write(head)
          upSocket.pipe(socket)
          socket.pipe(upSocket)
          socket.on('close', () => upSocket.destroy())
          upSocket.on('close', () => socket.destroy())
      }
    })
    up.on('response', (answer: IncomingMessage) => {
      // A refused upgrade: relay it as it is.
      let text = `HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n`
      for (let i = 0; i < answer.rawHeaders.length; i += 2) text += `${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`
      socket.write(`${text}\r\n`)
      answer.pipe(socket)
    })
    up.on('error', () => socket.destroy())
    up.end()
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dir = mkdtempSync(join(tmpdir(), 'meshport-fault-'))
  const kubeconfigPath = join(dir, 'kubeconfig')
  writeFileSync(kubeconfigPath, sim.cluster.kubeconfig().replaceAll(sim.cluster.server, url), {mode: 0o600})
  return {
    http2Requests: () => streams,
    kubeconfigPath,
    seen,
    async stop() {
      for (const socket of sockets) socket.destroy()
      agent.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, {force: true, recursive: true})
    },
    url,
  }
}
