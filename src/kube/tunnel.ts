// Our own client for `pods/{name}/portforward` over WebSocket v4.channel.k8s.io. client-node's
// PortForward builds fresh TLS options for every WebSocket, so every tunnel paid a new secure
// context and a full handshake (~80% of `check --proxy` CPU). Here the kubeconfig's TLS material
// and auth headers are resolved ONCE per client: one tls.SecureContext shared by every tunnel and
// the last TLS session offered for resumption, so later tunnels skip the full handshake.
//
// Wire format (see /work/shared/reference/test-cluster.md §1): binary messages `[channel][payload]`;
// with one port, channel 0 carries data and channel 1 errors; the server's first message on each
// channel is the port as 2-byte little-endian; the client sends `[0][bytes]` and no prefix.
import type {OutgoingHttpHeaders} from 'node:http'
import type {RequestOptions} from 'node:https'
import {isIP} from 'node:net'
import {Duplex} from 'node:stream'
import {connect, createSecureContext, TLSSocket, type ConnectionOptions, type SecureContext} from 'node:tls'

import type {KubeConfig} from '@kubernetes/client-node'
import type {ClientOptions, WebSocket} from 'ws'

import {ClusterError, TimeoutError} from '../errors.js'
import {PortForwardError, parseStatusBody, toKubeError} from './errors.js'
import {KubeErrorCode, type ObjectRef} from './types.js'

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io'
const DATA_CHANNEL = 0
const ERROR_CHANNEL = 1
const DATA_HEADER = Buffer.from([DATA_CHANNEL])

type WebSocketClass = typeof WebSocket
const setSession = (TLSSocket.prototype as {setSession?: (this: TLSSocket, session: Buffer) => void}).setSession

/** The TLS/auth material of one kubeconfig context, resolved once and shared by every tunnel. */
export class TunnelDialer {
  private prepared?: Promise<{headers: Record<string, string>; options: ClientOptions; WS: WebSocketClass}>
  private session: Buffer | undefined
  private wantSession = true
  private secureContext: SecureContext | undefined

  constructor(
    private readonly kc: KubeConfig,
    private readonly server: string,
  ) {}

  /** How many tunnels resumed a cached TLS session (for tests and --verbose). */
  resumed = 0

  private prepare() {
    this.prepared ??= (async () => {
      const {default: WS} = await import('ws')
      const https: RequestOptions & {servername?: string} = {}
      // The same material client-node would use: CA, client cert/key, bearer token (including exec
      // and auth-provider plugins, resolved now), basic auth, skip-verify, tls-server-name.
      await this.kc.applyToHTTPSOptions(https)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries((https.headers ?? {}) as OutgoingHttpHeaders)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
      }
      if (typeof https.auth === 'string') headers.authorization = `Basic ${Buffer.from(https.auth).toString('base64')}`
      const options: ClientOptions = {headers, perMessageDeflate: false}
      if (this.kc.getCurrentCluster()?.proxyUrl) {
        // Behind an HTTP/SOCKS proxy client-node's agent knows the way; keep it (slower, correct).
        options.agent = https.agent as NonNullable<ClientOptions['agent']>
      } else if (this.server.startsWith('https:')) {
        const tlsOptions: ConnectionOptions = {}
        for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'crl', 'secureProtocol', 'secureOptions'] as const) {
          if (https[key] !== undefined) (tlsOptions as Record<string, unknown>)[key] = https[key]
        }
        this.secureContext = createSecureContext(tlsOptions)
        const rejectUnauthorized = https.rejectUnauthorized
        const servername = https.servername
        options.createConnection = (opts) => this.connectTls(opts as ConnectionOptions & {host: string}, rejectUnauthorized, servername)
      }
      return {headers, options, WS}
    })()
    return this.prepared
  }

  private connectTls(opts: ConnectionOptions & {host: string}, rejectUnauthorized: boolean | undefined, servername: string | undefined): TLSSocket {
    const tlsOptions: ConnectionOptions = {
      ...opts,
      secureContext: this.secureContext,
      servername: servername ?? (isIP(opts.host) ? '' : opts.host),
    }
    if (rejectUnauthorized !== undefined) tlsOptions.rejectUnauthorized = rejectUnauthorized
    // tls.connect deserialises a `session` option twice (in the socket's setup and again after
    // it); the socket's own setSession, called before the TCP connect completes and the handshake
    // starts, does it once. It is undocumented, so where it is missing the option is used.
    if (this.session && !setSession) tlsOptions.session = this.session
    const socket = connect(tlsOptions)
    if (this.session && setSession) setSession.call(socket, this.session)
    // Serialising every new ticket costs as much again, so only listen while we need a session:
    // none yet, or the last one stopped resuming (expired, or the server rotated its keys).
    if (this.wantSession) socket.on('session', (session: Buffer) => {
      this.session = session
      this.wantSession = false
    })
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) this.resumed++
      else this.wantSession = true
    })
    return socket
  }

  /** Opens one tunnel to pod:port; resolves once the server accepted the WebSocket. */
  async dial(pod: ObjectRef, port: number, timeoutMs: number): Promise<PortTunnel> {
    const {options, WS} = await this.prepare()
    const base = this.server.replace(/\/+$/, '').replace(/^http/, 'ws')
    const url = `${base}/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/portforward?ports=${port}`
    const ws = new WS(url, [PORT_FORWARD_PROTOCOL], {...options, handshakeTimeout: timeoutMs})
    return new Promise<PortTunnel>((resolve, reject) => {
      const fail = (err: Error): void => {
        ws.removeAllListeners()
        ws.on('error', () => {})
        ws.terminate()
        reject(err)
      }
      ws.once('open', () => {
        ws.removeAllListeners()
        if (ws.protocol !== PORT_FORWARD_PROTOCOL) {
          ws.on('error', () => {})
          ws.terminate()
          reject(new PortForwardError(pod, port, `the API server chose subprotocol "${ws.protocol}", not ${PORT_FORWARD_PROTOCOL}`))
          return
        }
        resolve(new PortTunnel(ws, pod, port))
      })
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c))
        const done = (): void => fail(upgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), pod, port, this.server))
        res.once('end', done)
        res.once('error', done)
      })
      ws.once('error', (err) => fail(dialError(err, pod, port, this.server, timeoutMs)))
    })
  }
}

function upgradeRefused(status: number, body: string, pod: ObjectRef, port: number, server: string): Error {
  const detail = parseStatusBody(body)?.message
  if (status === 401) {
    return new ClusterError(`unauthorized: the API server at ${server} rejected the credentials`, {code: KubeErrorCode.unauthorized, hint: 'refresh the credentials of this kubeconfig context'})
  }
  if (status === 403) {
    return new ClusterError(`forbidden: port-forward to pod/${pod.name} in ${pod.namespace}`, {code: KubeErrorCode.forbidden, hint: 'the user needs "create" on pods/portforward'})
  }
  if (status === 404) return new PortForwardError(pod, port, detail ?? 'pod not found')
  return new PortForwardError(pod, port, `the API server answered ${status}${detail ? `: ${detail}` : ''} (is the pod running?)`)
}

function dialError(err: Error, pod: ObjectRef, port: number, server: string, timeoutMs: number): Error {
  if (/Opening handshake has timed out/.test(err.message)) {
    return new TimeoutError(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port}: no answer within ${timeoutMs}ms`, {code: KubeErrorCode.timeout, hint: 'raise --request-timeout, or check the pod and its node'})
  }
  return toKubeError(err, {action: `port-forward to pod/${pod.name} in ${pod.namespace}`, server, timeoutMs})
}

/**
 * Channel 0 of one open tunnel as a Duplex: writes go to the pod's port, reads are what the pod
 * sent. Text on the error channel (e.g. the kubelet's "connection refused") ends the stream with
 * a PortForwardError naming the pod and port; a close without error text ends it normally.
 */
export class PortTunnel extends Duplex {
  private readonly prefixPending = new Set([DATA_CHANNEL, ERROR_CHANNEL])
  private errorText = ''

  constructor(
    private readonly ws: WebSocket,
    readonly pod: ObjectRef,
    readonly port: number,
  ) {
    super({allowHalfOpen: true})
    // Errors may arrive before a reader is attached; they stay readable as `errored`.
    this.on('error', () => {})
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary))
    ws.on('error', (err) => this.destroy(err))
    ws.on('close', () => {
      const text = this.errorText.trim()
      if (text !== '') this.destroy(new PortForwardError(pod, port, text))
      else this.push(null)
    })
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary || data.length === 0) return this.garbage('a non-binary or empty message')
    const channel = data[0] as number
    let payload = data.subarray(1)
    if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL) return this.garbage(`a message on unknown channel ${channel}`)
    if (this.prefixPending.has(channel)) {
      if (payload.length < 2 || payload.readUInt16LE(0) !== this.port) return this.garbage(`channel ${channel} did not start with port ${this.port}`)
      this.prefixPending.delete(channel)
      payload = payload.subarray(2)
    }
    if (payload.length === 0) return
    if (channel === ERROR_CHANNEL) this.errorText += payload.toString('utf8')
    else this.push(payload)
  }

  private garbage(what: string): void {
    this.destroy(new PortForwardError(this.pod, this.port, `the API server sent ${what} (not ${PORT_FORWARD_PROTOCOL} framing)`))
  }

  override _read(): void {
    // Pushes come from WebSocket messages; a proxy admin answer is small enough not to need backpressure.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    // Writes into a closing tunnel are dropped: the close (and its error-channel text) explains.
    if (this.ws.readyState !== this.ws.OPEN) return done()
    this.ws.send(Buffer.concat([DATA_HEADER, chunk]), {binary: true}, (err) => done(this.ws.readyState === this.ws.OPEN ? (err ?? null) : null))
  }

  override _final(done: (err?: Error | null) => void): void {
    // v4 has no half-close; the tunnel stays open for the answer and closes with the pod's side.
    done()
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.ws.removeAllListeners('message')
    this.ws.on('error', () => {})
    this.ws.terminate()
    done(err)
  }
}
