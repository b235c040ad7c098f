// Our own client for `pods/{name}/portforward` over WebSocket v4.channel.k8s.io. client-node's
// PortForward builds fresh TLS options for every WebSocket, so every tunnel paid a new secure
// context and a full handshake (~80% of `check --proxy` CPU). Here the context's TLS material and
// auth headers come from its transport (transport.ts), resolved ONCE per client: one
// tls.SecureContext shared by every tunnel and the last TLS session offered for resumption, so
// later tunnels skip the full handshake. Behind a proxy the connection is dialled through it
// first. The upgrade request is written on that connection and its answer read by
// HttpResponseReader; the frames after it are ours (ws-frames.ts), lighter than a WebSocket stack.
//
// Wire format (the kubelet's: kubernetes/kubernetes staging/src/k8s.io/kubelet/pkg/cri/streaming/
// portforward/websocket.go): binary messages `[channel][payload]`; with one port, channel 0
// carries data and channel 1 errors; the server's first message on each channel is the port as
// 2-byte little-endian; the client sends `[0][bytes]` and no prefix.
import {createHash, randomBytes} from 'node:crypto'
import type {Socket} from 'node:net'
import {Duplex} from 'node:stream'
import {connect, TLSSocket, type ConnectionOptions} from 'node:tls'

import {ClusterError, TimeoutError} from '../errors.js'
import {PortForwardError, parseStatusBody, systemCode, toKubeError, unauthorizedError} from './errors.js'
import {droppedBeforeAnswer, durationText, isConnectionDrop, retryDial} from './retry.js'
import {KubeErrorCode, type HttpResult, type ObjectRef, type RetryNotice} from './types.js'
import {HttpResponseReader} from './http-response.js'
import type {ClusterTransport, Material} from './transport.js'
import {encodeFrame, FrameDecoder, Opcode} from './ws-frames.js'

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io'
const DATA_CHANNEL = 0
const ERROR_CHANNEL = 1
const DATA_HEADER = Buffer.from([DATA_CHANNEL])
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
/** A refused upgrade's body is a Status object; anything this large is not one. */
const MAX_REFUSAL_BYTES = 1024 * 1024

const setSession = (TLSSocket.prototype as {setSession?: (this: TLSSocket, session: Buffer) => void}).setSession

/** Opens tunnels to pods through one context's transport (TLS material, credentials, proxy). */
export class TunnelDialer {
  private session: Buffer | undefined
  /** The material generation the session belongs to: new credentials (a client cert) start over. */
  private sessionGeneration = 0
  private wantSession = true
  /** The first full handshake of this context, while it is under way (see dial). */
  private firstHandshake: Promise<void> | undefined
  private firstHandshakeDone = false

  constructor(
    private readonly transport: ClusterTransport,
    private readonly onRetry?: (notice: RetryNotice) => void,
  ) {}

  /** How many tunnels resumed a cached TLS session (for tests and --verbose). */
  resumed = 0

  /** A connection to the API server, TLS when it is https; the TLS session is offered for resumption. */
  private async connect(material: Material, timeoutMs: number): Promise<Socket> {
    const {tls} = material
    const proxied = this.transport.proxy !== undefined
    if (!tls) return this.transport.dial(timeoutMs)
    const {host, port} = this.transport.target
    const options: ConnectionOptions = {host, port, rejectUnauthorized: tls.rejectUnauthorized, secureContext: tls.secureContext, servername: this.transport.servername(tls)}
    if (proxied) options.socket = await this.transport.dial(timeoutMs)
    if (this.sessionGeneration !== material.generation) {
      this.session = undefined
      this.wantSession = true
      this.sessionGeneration = material.generation
    }
    // tls.connect deserialises a `session` option twice (in the socket's setup and again after
    // it); the socket's own setSession, called before the TCP connect completes and the handshake
    // starts, does it once. It is undocumented, so where it is missing the option is used; on an
    // already connected (proxied) socket the handshake starts at once, so the option is used too.
    const early = setSession !== undefined && !proxied
    if (this.session && !early) options.session = this.session
    const socket = connect(options)
    if (this.session && early) setSession.call(socket, this.session)
    if (!this.session && !this.firstHandshakeDone) {
      this.firstHandshakeDone = true
      this.firstHandshake = new Promise<void>((resolve) => {
        const done = (): void => {
          this.firstHandshake = undefined
          resolve()
        }
        socket.once('session', done)
        socket.once('close', done)
      })
    }
    // Serialising every new ticket costs as much again, so only listen while we need a session:
    // none yet, or the last one stopped resuming (expired, or the server rotated its keys).
    if (this.wantSession) {
      socket.on('session', (session: Buffer) => {
        this.session = session
        this.wantSession = false
      })
    }
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) this.resumed++
      else this.wantSession = true
    })
    return socket
  }

  /**
   * Opens one tunnel to pod:port; resolves once the server accepted the WebSocket upgrade. A
   * connection dropped before any byte of the answer is dialled again (retry.ts), within `timeoutMs`.
   */
  dial(pod: ObjectRef, port: number, timeoutMs: number): Promise<PortTunnel> {
    return retryDial(`port-forward to pod/${pod.name} in ${pod.namespace}`, timeoutMs, (remainingMs) => this.dialOnce(pod, port, remainingMs), this.onRetry)
  }

  private async dialOnce(pod: ObjectRef, port: number, timeoutMs: number): Promise<PortTunnel> {
    const material = await this.transport.current()
    try {
      // Tunnels dialled while the context's first full handshake is under way wait for its
      // session and resume it, instead of each paying a full handshake (16 at once, both sides).
      if (this.firstHandshake) await this.firstHandshake
      return await this.open(material, pod, port, timeoutMs)
    } catch (err) {
      // Exec-plugin and token-file credentials expire (an EKS token lasts 15 minutes) and a long
      // --watch outlives them: on a 401, fetch them again and retry once (transport.renew decides).
      if (!(err instanceof ClusterError && err.code === KubeErrorCode.unauthorized)) throw err
      if (!(await this.transport.renew(material.generation))) throw err
      return this.open(await this.transport.current(), pod, port, timeoutMs)
    }
  }

  private open(material: Material, pod: ObjectRef, port: number, timeoutMs: number): Promise<PortTunnel> {
    const server = this.transport.server
    const url = new URL(`${server}/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/portforward?ports=${port}`)
    const key = randomBytes(16).toString('base64')
    const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64')
    const upgradeHeaders = {
      ...material.headers,
      connection: 'Upgrade',
      'sec-websocket-key': key,
      'sec-websocket-protocol': PORT_FORWARD_PROTOCOL,
      'sec-websocket-version': '13',
      upgrade: 'websocket',
    }
    return new Promise<PortTunnel>((resolve, reject) => {
      let settled = false
      let abort = (): void => {}
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        abort()
        reject(err)
      }
      const timer = setTimeout(() => {
        fail(new TimeoutError(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port}: the API server did not answer the upgrade within ${durationText(timeoutMs)}`, {code: KubeErrorCode.timeout, hint: 'raise --request-timeout, or check the pod and its node'}))
      }, timeoutMs)
      const answer: UpgradeAnswer = {
        accepted: (answerHeaders, socket, head) => {
          if (settled) {
            socket.destroy()
            return
          }
          let problem: string | undefined
          if (answerHeaders['sec-websocket-accept'] !== accept) problem = 'answered the upgrade with a wrong Sec-WebSocket-Accept'
          else if (answerHeaders['sec-websocket-protocol'] !== PORT_FORWARD_PROTOCOL) problem = `chose subprotocol "${String(answerHeaders['sec-websocket-protocol'] ?? '')}", not ${PORT_FORWARD_PROTOCOL}`
          if (problem) {
            socket.destroy()
            fail(new PortForwardError(pod, port, `the API server ${problem}`))
            return
          }
          settled = true
          clearTimeout(timer)
          socket.setNoDelay(true)
          socket.setTimeout(0)
          resolve(new PortTunnel(socket, head, pod, port))
        },
        broken: (err, early) => {
          // A connection dropped under the upgrade says nothing about reaching the API server in
          // general (its other requests may work): name the port-forward, not "cannot reach".
          const mapped = isConnectionDrop(err)
            ? new PortForwardError(pod, port, `the connection closed before the upgrade was answered (${systemCode(err) ?? 'EOF'})`)
            : toKubeError(err, {action: `port-forward to pod/${pod.name} in ${pod.namespace}`, anonymous: material.anonymous, server, timeoutMs})
          fail(early ? droppedBeforeAnswer(mapped) : mapped)
        },
        refused: (status, body) => fail(upgradeRefused(status, body, pod, port, server, material.anonymous)),
      }
      this.connect(material, timeoutMs).then(
        (socket) => {
          if (settled) socket.destroy()
          else abort = upgradeOnSocket(socket, url, upgradeHeaders, answer)
        },
        (err: Error) => answer.broken(err, isConnectionDrop(err)),
      )
    })
  }
}

/** How an upgrade request ended; exactly one is called. */
interface UpgradeAnswer {
  accepted(headers: Record<string, string | string[] | undefined>, socket: Socket, head: Buffer): void
  refused(status: number, body: string): void
  /** `early`: the connection was lost before any byte of the answer (safe to dial again). */
  broken(err: Error, early?: boolean): void
}

/**
 * The upgrade written straight on our TLS connection and its answer read with HttpResponseReader:
 * Node's http client (request, agent, parser, response objects) cost more than the upgrade
 * itself on every tunnel. Returns how to abort.
 */
function upgradeOnSocket(socket: Socket, url: URL, headers: Record<string, string>, answer: UpgradeAnswer): () => void {
  const reader = new HttpResponseReader(MAX_REFUSAL_BYTES, true)
  let received = false
  const detach = (): void => {
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('error', onError)
  }
  // Once the answer is handled (and not handed to a tunnel), the socket is done with: a late
  // error from it (a reset after the refusal) must not become an uncaught 'error' event.
  const discard = (): void => {
    socket.on('error', () => {})
    socket.destroy()
  }
  const onData = (chunk: Buffer): void => {
    received = true
    let result: HttpResult | undefined
    try {
      result = reader.push(chunk)
    } catch (err) {
      detach()
      discard()
      answer.broken(err as Error)
      return
    }
    if (!result) return
    detach()
    if (result.status === 101) return answer.accepted(result.headers, socket, reader.rest())
    discard()
    answer.refused(result.status, result.body)
  }
  const onEnd = (): void => {
    detach()
    discard()
    let result: HttpResult
    try {
      result = reader.end()
    } catch {
      // What Node's http client calls "socket hang up".
      answer.broken(Object.assign(new Error('the API server closed the connection before answering the upgrade'), {code: 'ECONNRESET'}), !received)
      return
    }
    answer.refused(result.status, result.body)
  }
  const onError = (err: Error): void => {
    detach()
    answer.broken(err, !received && isConnectionDrop(err))
  }
  socket.on('data', onData)
  socket.once('end', onEnd)
  socket.once('error', onError)
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`
  for (const [name, value] of Object.entries(headers)) {
    // A value with a line break (say, a pasted token) would inject headers: refuse like Node's client.
    if (/[\r\n]/.test(value)) {
      queueMicrotask(() => onError(Object.assign(new TypeError(`invalid character in header "${name}"`), {code: 'ERR_INVALID_CHAR'})))
      return discard
    }
    head += `${name}: ${value}\r\n`
  }
  socket.write(`${head}\r\n`)
  return () => {
    detach()
    discard()
  }
}

function upgradeRefused(status: number, body: string, pod: ObjectRef, port: number, server: string, anonymous: boolean): Error {
  const detail = parseStatusBody(body)?.message
  if (status === 401) return unauthorizedError(server, anonymous, undefined)
  if (status === 403) {
    return new ClusterError(`forbidden: port-forward to pod/${pod.name} in ${pod.namespace}`, {code: KubeErrorCode.forbidden, hint: 'the user needs "create" on pods/portforward'})
  }
  if (status === 404) return new PortForwardError(pod, port, detail ?? 'pod not found')
  return new PortForwardError(pod, port, `the API server answered ${status}${detail ? `: ${detail}` : ''} (is the pod running?)`)
}

/**
 * Channel 0 of one open tunnel as a Duplex: writes go to the pod's port, reads are what the pod
 * sent. Text on the error channel (e.g. the kubelet's "connection refused") ends the stream with
 * a PortForwardError naming the pod and port; a close without error text ends it normally.
 */
export class PortTunnel extends Duplex {
  private readonly prefixPending = new Set([DATA_CHANNEL, ERROR_CHANNEL])
  private errorText = ''
  private closing = false
  private finished = false

  constructor(
    private readonly socket: Socket,
    head: Buffer,
    readonly pod: ObjectRef,
    readonly port: number,
  ) {
    super({allowHalfOpen: true})
    // Errors may arrive before a reader is attached; they stay readable as `errored`.
    this.on('error', () => {})
    const decoder = new FrameDecoder({
      close: (code) => {
        // Answer the closing handshake, then let the server end the connection.
        this.send(Opcode.close, code === undefined ? [] : [Buffer.from([code >> 8, code & 0xff])])
        this.closing = true
        this.socket.end()
        this.finish()
      },
      message: (data, binary) => this.onMessage(data, binary),
      ping: (data) => this.send(Opcode.pong, [data]),
      protocolError: (what) => this.garbage(what),
    })
    socket.on('data', (chunk: Buffer) => decoder.push(chunk))
    socket.on('error', (err) => this.destroy(err))
    socket.on('close', () => {
      this.closing = true
      this.finish()
    })
    decoder.push(head)
  }

  /** The tunnel ended: error-channel text makes it a PortForwardError, silence a normal end. */
  private finish(): void {
    if (this.finished) return
    this.finished = true
    const text = this.errorText.trim()
    if (text !== '') this.destroy(new PortForwardError(this.pod, this.port, text))
    else this.push(null)
  }

  private send(opcode: number, parts: Buffer[], done?: (err?: Error | null) => void): void {
    if (this.closing || this.socket.destroyed) {
      done?.()
      return
    }
    this.socket.write(encodeFrame(opcode, parts), done)
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
    this.send(Opcode.binary, [DATA_HEADER, chunk], (err) => done(this.closing ? null : (err ?? null)))
  }

  override _final(done: (err?: Error | null) => void): void {
    // v4 has no half-close; the tunnel stays open for the answer and closes with the pod's side.
    done()
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.closing = true
    this.finished = true
    this.socket.destroy()
    done(err)
  }
}
