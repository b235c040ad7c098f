// The kubelet's side of port-forward streams (protocol portforward.k8s.io). For each local
// connection kubectl opens an error stream and a data stream, both with the headers `streamtype`
// (`error` | `data`), `port` and `requestid`. The kubelet pairs them by request id, dials the
// port inside the pod, and copies bytes between the data stream and that connection. A dial that
// fails is reported as text on the error stream, then both streams are closed: kubectl prints it
// ("an error occurred forwarding …") and drops the whole connection ("lost connection to pod").
import type {Duplex} from 'node:stream'

import type {SimPod} from '../build.js'
import type {PodServers} from '../proxy/admin-server.js'
import type {SpdyStream} from './session.js'

/** How long the kubelet waits for the second stream of a pair (its streamCreationTimeout). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000

interface Pair {
  data?: SpdyStream
  error?: SpdyStream
  timer: NodeJS.Timeout
}

export class PortForwardStreams {
  private readonly pairs = new Map<string, Pair>()
  private readonly sockets = new Set<Duplex>()
  private closed = false

  constructor(
    private readonly pod: SimPod,
    private readonly servers: PodServers,
    private readonly pairTimeoutMs = STREAM_CREATION_TIMEOUT_MS,
  ) {}

  /** Takes each new stream of the connection: refuses it (RST_STREAM) or accepts and pairs it. */
  readonly accept = (stream: SpdyStream): void => {
    const port = stream.headers.get('port') ?? ''
    const type = stream.headers.get('streamtype') ?? ''
    // The kubelet's checks: a port that parses as 1–65535, a known stream type.
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535 || (type !== 'error' && type !== 'data')) {
      stream.reset()
      return
    }
    stream.reply()
    // Clients too old to send a request id get one from the stream ids (error n, data n + 2).
    const requestId = stream.headers.get('requestid') ?? String(type === 'error' ? stream.id : stream.id - 2)
    let pair = this.pairs.get(requestId)
    if (!pair) {
      const timer = setTimeout(() => {
        this.pairs.delete(requestId)
        pair?.error?.write(Buffer.from(`timed out waiting for streams of request ${requestId}`))
      }, this.pairTimeoutMs)
      timer.unref()
      pair = {timer}
      this.pairs.set(requestId, pair)
    }
    if (pair[type] !== undefined) {
      // The kubelet reports this on the pair's error stream and keeps the pair as it was.
      pair.error?.write(Buffer.from(`error processing stream for request ${requestId}: ${type} stream already assigned`))
      stream.reset()
      return
    }
    pair[type] = stream
    if (pair.data && pair.error) {
      clearTimeout(pair.timer)
      this.pairs.delete(requestId)
      this.forward(pair.data, pair.error, Number(port))
    }
  }

  /** The connection is gone: close every connection into the pod and stop every timer. */
  close(): void {
    this.closed = true
    for (const pair of this.pairs.values()) clearTimeout(pair.timer)
    this.pairs.clear()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
  }

  private forward(data: SpdyStream, error: SpdyStream, port: number): void {
    let socket: Duplex | undefined
    let aborted = false
    let clientEnded = false
    const early: Buffer[] = []
    // The client may send before the dial completes: keep that for the connection.
    data.onData = (chunk) => (socket ? socket.write(chunk) : early.push(chunk))
    data.onEnd = () => (socket ? socket.end() : (clientEnded = true))
    data.onReset = () => (socket ? socket.destroy() : (aborted = true))
    const finish = (): void => {
      data.end()
      error.end()
    }
    this.servers.dial(this.pod, port).then(
      (conn) => {
        if (this.closed || aborted) {
          conn.destroy()
          return
        }
        socket = conn
        this.sockets.add(conn)
        for (const chunk of early.splice(0)) conn.write(chunk)
        if (clientEnded) conn.end()
        conn.on('data', (chunk: Buffer) => data.write(chunk))
        // The pod closed its side: so do both streams, and the connection (the kubelet's copy ends).
        conn.on('end', () => {
          finish()
          conn.end()
        })
        conn.on('error', () => conn.destroy())
        conn.on('close', () => {
          this.sockets.delete(conn)
          finish()
        })
      },
      (err: unknown) => {
        if (this.closed) return
        const message = err instanceof Error ? err.message : String(err)
        error.write(Buffer.from(message))
        finish()
      },
    )
  }
}
