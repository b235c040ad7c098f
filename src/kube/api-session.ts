// One HTTP/2 session per context to the API server, for the requests that grow with the cluster:
// `pods/NAME:PORT/proxy/PATH` (every proxy's admin endpoints, multiplexed as streams on one TLS
// connection instead of one port-forward each) and `services/NAME:PORT/proxy/PATH` (viz's
// Prometheus). Built on the context's transport (transport.ts) like everything else here: its TLS
// material (CA or system trust, client certificate, tls-server-name, insecure-skip-tls-verify),
// its credentials (renewed after a 401) and its proxy (the connection is dialled through it first).
//
// ALPN decides the protocol, as in client-go: a server (or a TLS-terminating front) that does not
// offer h2, and a plain-http server (kubectl proxy), get HTTP/1.1 on the transport's keep-alive
// agent instead. Go's windows are used (4 MiB per stream, 1 GiB per connection) rather than
// Node's 64 KiB, which made every ~55 KiB /metrics answer wait a round trip for WINDOW_UPDATE.
// Idempotent requests that die with the connection before an answer (GOAWAY, reset, refused
// stream) are sent again at once on a new one, as Go's HTTP/2 transport does. Above that, the
// caller runs each request under client-go's retry policy (retry.ts: drops and 429/5xx with
// Retry-After, all inside one --request-timeout): a request is one attempt, ended by the
// attempt's signal, and tells the retrier when it has its connection and its answer's headers.
import {request as httpRequest, type IncomingMessage} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {connect as h2connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders} from 'node:http2'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'
import {gunzip} from 'node:zlib'

import {attemptAnswered, attemptConnected, attemptSignal} from './retry.js'
import type {ClusterTransport, Material} from './transport.js'

export interface ApiRequest {
  /** Path below the server URL (its path prefix is added), with any query string. */
  path: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Bound on the request when it is not an attempt of a retrier (whose deadline then rules). */
  timeoutMs: number
  /** Largest body accepted. */
  maxBytes?: number
}

export interface ApiAnswer {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  /** Decompressed when the server sent gzip. */
  body: Buffer
  /** The credentials' generation the request went out with (for transport.renew after a 401). */
  generation: number
  anonymous: boolean
}

/** A request that never got an answer because its connection went away; safe to send again. */
class ConnectionLost extends Error {
  readonly code = 'ECONNRESET'
}

const LOST_CODES = new Set(['ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL', 'ECONNRESET'])
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024
const STREAM_WINDOW = 4 << 20
const CONNECTION_WINDOW = 1 << 30

type Connection = {kind: 'h2'; session: ClientHttp2Session; generation: number} | {kind: 'http1'; generation: number}

/** What a request ended by its deadline rejects with (toKubeError and the retrier read it as a timeout). */
function aborted(): Error {
  return Object.assign(new Error('the request was aborted at its deadline'), {name: 'AbortError'})
}

export class ApiSession {
  private connection: Promise<Connection> | undefined
  /** Streams in flight: the session keeps the process alive only while there are some. */
  private active = 0
  /** Which protocol the server spoke (for tests and benches). */
  protocol: 'h2' | 'http/1.1' | undefined

  constructor(private readonly transport: ClusterTransport) {}

  /**
   * One request; any HTTP status resolves. Connection failures and the deadline (the retrier's
   * attempt signal, else `timeoutMs`) reject.
   */
  async request(req: ApiRequest): Promise<ApiAnswer> {
    const signal = attemptSignal(req.timeoutMs)
    const material = await this.transport.current()
    try {
      return await this.send(material, req, signal)
    } catch (err) {
      // The connection died under the request (GOAWAY, reset): once more on a fresh one.
      if (!(err instanceof ConnectionLost) || (req.method ?? 'GET') !== 'GET' || signal.aborted) throw err
      return this.send(await this.transport.current(), req, signal)
    }
  }

  private async send(material: Material, req: ApiRequest, signal: AbortSignal): Promise<ApiAnswer> {
    if (signal.aborted) throw aborted()
    const connection = await untilAborted(this.connect(material, req.timeoutMs), signal)
    const answer = connection.kind === 'h2' ? await this.sendH2(connection.session, material, req, signal) : await sendHttp1(this.transport, material, req, signal)
    return {...answer, anonymous: material.anonymous, generation: material.generation}
  }

  /** The current connection, or a new one when there is none, it died, or the credentials changed. */
  private async connect(material: Material, timeoutMs: number): Promise<Connection> {
    const current = this.connection ? await this.connection.catch(() => undefined) : undefined
    if (current && current.generation === material.generation && (current.kind === 'http1' || (!current.session.closed && !current.session.destroyed))) return current
    if (current?.kind === 'h2') current.session.close()
    const next = this.open(material, timeoutMs)
    this.connection = next
    // A failed dial is not cached: the next request tries again.
    next.catch(() => {
      if (this.connection === next) this.connection = undefined
    })
    return next
  }

  private async open(material: Material, timeoutMs: number): Promise<Connection> {
    const {tls} = material
    if (!tls) {
      this.protocol = 'http/1.1'
      return {generation: material.generation, kind: 'http1'}
    }
    const {host, port} = this.transport.target
    const raw = this.transport.proxy ? await this.transport.dial(timeoutMs) : undefined
    const socket = tlsConnect({
      ALPNProtocols: ['h2', 'http/1.1'],
      host,
      port,
      rejectUnauthorized: tls.rejectUnauthorized,
      secureContext: tls.secureContext,
      servername: this.transport.servername(tls),
      ...(raw ? {socket: raw} : {}),
    })
    await handshake(socket, timeoutMs)
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy()
      this.protocol = 'http/1.1'
      return {generation: material.generation, kind: 'http1'}
    }
    this.protocol = 'h2'
    const session = h2connect(this.transport.url.origin, {createConnection: () => socket, settings: {initialWindowSize: STREAM_WINDOW}})
    session.on('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW))
    // Errors reach the streams in flight; the session is replaced on the next request.
    session.on('error', () => {})
    session.on('goaway', () => session.close())
    session.unref()
    return {generation: material.generation, kind: 'h2', session}
  }

  private sendH2(session: ClientHttp2Session, material: Material, req: ApiRequest, signal: AbortSignal): Promise<Omit<ApiAnswer, 'generation' | 'anonymous'>> {
    // The TLS session is up: from here a deadline is a stall, not an unreachable server.
    attemptConnected()
    const headers: Record<string, string> = {
      ':method': req.method ?? 'GET',
      ':path': this.prefix() + req.path,
      'accept-encoding': 'gzip',
    }
    for (const [name, value] of Object.entries({...material.headers, ...req.headers})) headers[name.toLowerCase()] = value
    if (this.active++ === 0) session.ref()
    return new Promise<Omit<ApiAnswer, 'generation' | 'anonymous'>>((resolve, reject) => {
      let stream: ClientHttp2Stream | undefined
      let settled = false
      // Exactly one outcome per request, whatever order the stream's events come in.
      const settle = (err: Error | undefined, answer?: Omit<ApiAnswer, 'generation' | 'anonymous'>): void => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        if (--this.active === 0 && !session.destroyed) session.unref()
        if (err) {
          if (stream && !stream.closed) stream.close(h2.NGHTTP2_CANCEL)
          reject(err)
        } else resolve(answer as Omit<ApiAnswer, 'generation' | 'anonymous'>)
      }
      const onAbort = (): void => settle(aborted())
      signal.addEventListener('abort', onAbort)
      try {
        stream = session.request(headers, {endStream: req.body === undefined})
      } catch (err) {
        settle(new ConnectionLost((err as Error).message))
        return
      }
      if (req.body !== undefined) stream.end(req.body)
      let head: IncomingHttpHeaders | undefined
      const chunks: Buffer[] = []
      let size = 0
      const max = req.maxBytes ?? DEFAULT_MAX_BYTES
      stream.on('response', (h) => {
        head = h
        attemptAnswered(Number(h[':status']), flatten(h))
      })
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > max) settle(new Error(`answer larger than ${max} bytes`))
        else chunks.push(chunk)
      })
      stream.on('end', () => {
        if (!head) return settle(new ConnectionLost('the stream ended without an answer'))
        const status = Number(head[':status'])
        decoded(flatten(head), Buffer.concat(chunks, size)).then(
          (answer) => settle(undefined, {...answer, status}),
          (err: Error) => settle(err),
        )
      })
      stream.on('error', (err: Error & {code?: string}) => {
        // A stream the server refused, or a session that went away before an answer: never processed.
        const lost = !head && LOST_CODES.has(err.code ?? '')
        settle(lost ? new ConnectionLost(err.message) : err)
      })
      // Closed without 'end' or 'error' (the session was destroyed): nothing more will come.
      stream.on('close', () => {
        if (head === undefined) settle(new ConnectionLost('the connection closed before an answer'))
      })
    })
  }

  /** The server URL's path (Rancher-style prefixes), without a trailing slash. */
  private prefix(): string {
    return this.transport.url.pathname.replace(/\/+$/, '')
  }

  close(): void {
    const connection = this.connection
    this.connection = undefined
    void connection?.then(
      (c) => {
        if (c.kind === 'h2') c.session.destroy()
      },
      () => {},
    )
  }
}

/** `work`, or an AbortError as soon as `signal` aborts (the work itself goes on, e.g. a dial others may use). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(aborted())
    signal.addEventListener('abort', onAbort, {once: true})
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: Error) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

function handshake(socket: TLSSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(Object.assign(new Error(`TLS handshake not done within ${timeoutMs}ms`), {code: 'ETIMEDOUT'}))
    }, timeoutMs)
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.once('error', (err: Error) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

function flatten(headers: IncomingHttpHeaders | IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

async function decoded(headers: Record<string, string>, body: Buffer): Promise<{body: Buffer; headers: Record<string, string>}> {
  return {body: /\bgzip\b/i.test(headers['content-encoding'] ?? '') ? await gunzipAsync(body) : body, headers}
}

function gunzipAsync(body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => gunzip(body, (err, out) => (err ? reject(err) : resolve(out))))
}

/** HTTP/1.1 on the transport's keep-alive agent (TLS and proxy included). */
function sendHttp1(transport: ClusterTransport, material: Material, req: ApiRequest, signal: AbortSignal): Promise<Omit<ApiAnswer, 'generation' | 'anonymous'>> {
  const url = new URL(transport.url.pathname.replace(/\/+$/, '') + req.path, transport.url.origin)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    // Node's http client reports its connection to the retrier by itself (retry.ts); the answer is told here.
    const out = send(url, {agent: material.keepAliveAgent, headers: {accept: '*/*', 'accept-encoding': 'gzip', ...material.headers, ...req.headers}, method: req.method ?? 'GET', signal}, (res) => {
      attemptAnswered(res.statusCode ?? 0, flatten(res.headers))
      const chunks: Buffer[] = []
      let size = 0
      const max = req.maxBytes ?? DEFAULT_MAX_BYTES
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > max) {
          out.destroy(new Error(`answer larger than ${max} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => {
        const headers = flatten(res.headers)
        decoded(headers, Buffer.concat(chunks, size)).then((answer) => resolve({...answer, status: res.statusCode ?? 0}), reject)
      })
      res.on('error', reject)
    })
    out.on('error', reject)
    out.end(req.body)
  })
}
