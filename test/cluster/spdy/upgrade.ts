// kubectl's two ways into pods/{name}/portforward, both SPDY/3.1 carrying the stream protocol
// portforward.k8s.io (kubectl sends no `ports` query: ports travel in the stream headers):
// - a WebSocket whose binary messages carry the SPDY byte stream, subprotocol
//   `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ by default; the API server's tunnelling handler);
// - a plain HTTP/1.1 `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`
//   (older kubectl, or KUBECTL_PORT_FORWARD_WEBSOCKETS=false; the kubelet's handler).
// Client-node's `v4.channel.k8s.io` WebSocket stays in ../port-forward.ts.
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'

import {WebSocketServer, type RawData} from 'ws'

import type {SimPod} from '../build.js'
import type {PodServers} from '../proxy/admin-server.js'
import {GoAwayStatus} from './frames.js'
import {PortForwardStreams} from './port-forward.js'
import {SpdySession, type SpdyTransport} from './session.js'

export const PORT_FORWARD_STREAM_PROTOCOL = 'portforward.k8s.io'
const TUNNEL_PREFIX = 'SPDY/3.1+'
export const SPDY_TUNNEL_PROTOCOL = `${TUNNEL_PREFIX}${PORT_FORWARD_STREAM_PROTOCOL}`
// `ws` rejects subprotocols with a `/` (not an HTTP token character, though Go's clients send
// one): the handshake runs with this stand-in, and the reply header is rewritten to the real name.
const STAND_IN = 'meshport-sim-spdy-tunnel'

const list = (header: string | string[] | undefined): string[] =>
  [header ?? []]
    .flat()
    .flatMap((h) => h.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '')

const isWebSocket = (req: IncomingMessage): boolean => String(req.headers.upgrade ?? '').toLowerCase() === 'websocket'

/**
 * Whether this upgrade is kubectl's SPDY (tunnelled or plain) rather than client-node's v4
 * WebSocket: as the API server decides, a WebSocket offering a `SPDY/3.1+…k8s.io` subprotocol is
 * tunnelled, any other WebSocket is the kubelet's v4 protocol, and any other upgrade is SPDY.
 */
export function isSpdyPortForward(req: IncomingMessage): boolean {
  if (!isWebSocket(req)) return true
  return list(req.headers['sec-websocket-protocol']).some((p) => p.startsWith(TUNNEL_PREFIX) && p.endsWith('.k8s.io'))
}

/** A reply as Go's http.Error writes it (the kubelet's and the tunnelling handler's refusals). */
function refuse(socket: Duplex, code: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  const body = `${message}\n`
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`)
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n${extra.join('')}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

export class SpdyPortForward {
  /** Connections accepted, per transport: tests check which one a client really used. */
  readonly opened = {spdy: 0, websocket: 0}
  private readonly wss = new WebSocketServer({handleProtocols: () => STAND_IN, noServer: true})
  private readonly sessions = new Set<SpdySession>()

  constructor(private readonly servers: PodServers) {
    this.wss.on('headers', (headers: string[]) => {
      const i = headers.indexOf(`Sec-WebSocket-Protocol: ${STAND_IN}`)
      if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`
    })
  }

  /** Takes an authenticated upgrade of a scheduled pod's portforward subresource. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: SimPod): void {
    if (isWebSocket(req)) this.tunnel(req, socket, head, pod)
    else this.plain(req, socket, head, pod)
  }

  close(): void {
    for (const session of [...this.sessions]) session.destroy()
    for (const client of this.wss.clients) client.terminate()
    this.wss.close()
  }

  private tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, pod: SimPod): void {
    const offered = list(req.headers['sec-websocket-protocol']).filter((p) => p.startsWith(TUNNEL_PREFIX)).map((p) => p.slice(TUNNEL_PREFIX.length))
    if (!offered.includes(PORT_FORWARD_STREAM_PROTOCOL)) return this.unnegotiable(socket, offered)
    req.headers['sec-websocket-protocol'] = STAND_IN
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.opened.websocket++
      const session = this.serve(pod, {
        close: () => ws.close(1000),
        write: (bytes) => ws.send(bytes),
      })
      ws.on('message', (data: RawData, isBinary: boolean) => {
        // kubectl's tunnelling connection sends and expects binary messages only.
        if (!isBinary) return session.goAway(GoAwayStatus.protocolError)
        session.receive(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data))
      })
      ws.on('close', () => session.destroy())
      ws.on('error', () => session.destroy())
    })
  }

  private plain(req: IncomingMessage, socket: Duplex, head: Buffer, pod: SimPod): void {
    const offered = list(req.headers['x-stream-protocol-version'])
    if (offered.length === 0) return refuse(socket, 400, 'Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required')
    if (!offered.includes(PORT_FORWARD_STREAM_PROTOCOL)) return this.unnegotiable(socket, offered)
    if (!list(req.headers.upgrade).some((u) => u.toLowerCase() === 'spdy/3.1')) {
      return refuse(socket, 400, 'Bad Request', `unable to upgrade: missing upgrade headers in request: Upgrade: ${String(req.headers.upgrade ?? '')}`)
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_STREAM_PROTOCOL}\r\n\r\n`)
    this.opened.spdy++
    const session = this.serve(pod, {
      close: () => socket.end(),
      write: (bytes) => socket.write(bytes),
    })
    socket.on('data', (chunk: Buffer) => session.receive(chunk))
    socket.on('end', () => session.destroy())
    socket.on('close', () => session.destroy())
    if (head.length > 0) session.receive(head)
  }

  /** The kubelet's answer when no offered stream protocol is one it speaks. */
  private unnegotiable(socket: Duplex, offered: string[]): void {
    refuse(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${PORT_FORWARD_STREAM_PROTOCOL}]`, {
      'X-Accepted-Stream-Protocol-Versions': PORT_FORWARD_STREAM_PROTOCOL,
    })
  }

  private serve(pod: SimPod, transport: SpdyTransport): SpdySession {
    const streams = new PortForwardStreams(pod, this.servers)
    const session = new SpdySession(transport, streams.accept)
    session.onClose = () => {
      streams.close()
      this.sessions.delete(session)
    }
    this.sessions.add(session)
    return session
  }
}
