// The simulated proxies' admin servers (/ready, /live, /metrics as linkerd2-proxy serves them)
// and the pods' app ports. Servers are created lazily, one per pod and port, the first time a
// port-forward dials them, so a 500-pod cluster starts without 500 listeners. Each is a real
// Node HTTP/1.1 server; the port-forward reaches it through an in-memory connection handed to
// the server, not loopback TCP: the kubelet's hop into the pod is not on the CLI's wire, and
// two more sockets per tunnel only took CPU from the CLI the simulator shares a machine with.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {connect as netConnect} from 'node:net'
import {Duplex} from 'node:stream'
import {gzipSync} from 'node:zlib'

import type {SimPod} from '../build.js'
import {LATENCY_BOUNDS_MS} from './latency.js'
import {renderProxyMetrics} from './metrics-text.js'
import {newAdminCounters, proxyMetrics, type ProxyRuntime} from './traffic.js'

/** Why a dial failed, in the words the kubelet (containerd) uses on the error channel. */
export class DialRefused extends Error {}

/** Garbage a broken or misconfigured endpoint might serve instead of Prometheus text. */
export const GARBAGE_METRICS =
  '# HELP request_total Total count of HTTP requests.\n' +
  'request_total{direction="inbound",target_addr="10.42.0.7:8080 17\n' +
  'response_total{{{classification=success}} NaN garbage\n' +
  '<html><body><h1>502 Bad Gateway</h1></body></html>\n' +
  '\u0000\u0001\u0002\u00ff binary \u0007\n'

export interface AdminAnswer {
  body: string | Buffer
  headers: Record<string, string>
  status: number
}

/** A real server standing in for what listens on a pod's port (e.g. a Prometheus process). */
export interface ExternalBackend {
  host: string
  port: number
}

export class PodServers {
  private readonly servers = new Map<string, Server>()
  private readonly sockets = new Set<Duplex>()
  private readonly runtimes = new Map<string, ProxyRuntime>()
  private readonly backends = new Map<string, ExternalBackend>()
  /** Open connections by `namespace/pod:port`, so that re-routing a port ends them. */
  private readonly byPort = new Map<string, Set<Duplex>>()
  private closed = false

  constructor(
    private readonly pods: Map<string, SimPod>,
    private readonly clock: () => number = Date.now,
    private readonly podStartMs: number = Date.now() - 2 * 3_600_000,
  ) {}

  /** The proxy's runtime state (counter epoch, admin counters), created on first use. */
  runtime(pod: SimPod): ProxyRuntime {
    let runtime = this.runtimes.get(pod.key)
    if (!runtime) {
      runtime = {admin: newAdminCounters(), epochMs: this.podStartMs}
      this.runtimes.set(pod.key, runtime)
    }
    return runtime
  }

  /** The body a scrape of this pod's /metrics would return now (for tests and ground truth). */
  metricsText(pod: SimPod, now = this.clock()): string {
    if (!pod.proxy) throw new Error(`${pod.key} has no proxy`)
    return renderProxyMetrics(proxyMetrics(pod.proxy, this.runtime(pod), now))
  }

  /**
   * Makes a real server answer for `pod:port` (port-forwards and the proxy subresources reach it
   * over loopback TCP); `undefined` gives the port back to the simulation.
   */
  route(pod: SimPod, port: number, backend: ExternalBackend | undefined): void {
    const key = `${pod.key}:${port}`
    if (backend) this.backends.set(key, backend)
    else this.backends.delete(key)
    // Connections to what answered before end, as they would if that process went away: pooled
    // keep-alive connections of the proxy subresources must not keep reaching it.
    for (const socket of this.byPort.get(key) ?? []) socket.destroy()
    this.byPort.delete(key)
  }

  /** Opens a TCP connection to what listens on `port` inside the pod, like the kubelet does. */
  async dial(pod: SimPod, port: number): Promise<Duplex> {
    const socket = this.connect(pod, port, (p) => new DialRefused(kubeletRefusal(pod, p)))
    if (!this.backends.has(`${pod.key}:${port}`)) return socket
    // A real backend: wait for its TCP handshake, so a stopped one is refused like an empty port.
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', () => reject(new DialRefused(kubeletRefusal(pod, port))))
    })
    return socket
  }

  /**
   * The connection itself, synchronously (an HTTP agent's createConnection needs that); `refused`
   * makes the error thrown when nothing listens. A real backend's failures arrive as `error`.
   */
  connect(pod: SimPod, port: number, refused: (port: number) => Error): Duplex {
    if (this.closed) throw refused(port)
    const kind = this.reachable(pod, port)
    if (!kind) throw refused(port)
    if (kind === 'external') {
      const backend = this.backends.get(`${pod.key}:${port}`) as ExternalBackend
      const socket = netConnect(backend.port, backend.host)
      this.track(socket, `${pod.key}:${port}`)
      return socket
    }
    const server = this.serverFor(pod, port, kind)
    const [socket, serverSide] = memoryConnection()
    this.track(socket, `${pod.key}:${port}`)
    server.emit('connection', serverSide)
    return socket
  }

  private track(socket: Duplex, key?: string): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    if (key === undefined) return
    let set = this.byPort.get(key)
    if (!set) {
      set = new Set()
      this.byPort.set(key, set)
    }
    set.add(socket)
    socket.on('close', () => set.delete(socket))
  }

  private serverFor(pod: SimPod, port: number, kind: 'admin' | 'app'): Server {
    const key = `${pod.key}:${port}`
    let server = this.servers.get(key)
    if (!server) {
      server = createServer({keepAliveTimeout: 5000}, kind === 'admin' ? this.adminHandler(pod) : appHandler(pod))
      if (kind === 'admin') {
        const counters = (): ProxyRuntime['admin'] => this.runtime(pod).admin
        server.on('connection', (socket: Duplex) => {
          counters().connsOpen++
          counters().connsTotal++
          socket.on('close', () => {
            counters().connsOpen = Math.max(0, counters().connsOpen - 1)
            counters().connsClosed++
          })
        })
      }
      server.on('connection', (socket: Duplex) => this.track(socket))
      this.servers.set(key, server)
    }
    return server
  }

  /** Whether a port-forward to this pod and port would connect (else the kubelet refuses it). */
  reachable(pod: SimPod, port: number): 'admin' | 'app' | 'external' | undefined {
    if (!pod.ip) return undefined
    if (this.backends.has(`${pod.key}:${port}`)) return 'external'
    if (pod.proxy && port === pod.adminPort && !pod.faults.has('adminUnreachable')) return 'admin'
    return pod.servedPorts.has(port) ? 'app' : undefined
  }

  /**
   * What the proxy's admin server answers, without a transport: the HTTP handler below and the
   * in-memory fake client (test/helpers/fake-kube.ts) both use it. `done()` must be called once
   * the response is complete: the proxy meters its own requests then.
   */
  answer(pod: SimPod, request: {acceptEncoding?: string; method?: string; path: string; requestBytes?: number}): {answer: AdminAnswer; done: () => void} {
    const started = this.clock()
    const runtime = this.runtime(pod)
    const admin = runtime.admin
    const method = request.method ?? 'GET'
    admin.requests++
    admin.bytesRead += request.requestBytes ?? 120
    const path = request.path
    let status = 200
    let body: string | Buffer = ''
    const headers: Record<string, string> = {}
    if (path === '/metrics') {
      body = pod.faults.has('metricsGarbage') ? GARBAGE_METRICS : this.metricsText(pod, started)
      headers['content-type'] = 'text/plain'
      if (/gzip/.test(request.acceptEncoding ?? '')) {
        body = gzipSync(body)
        headers['content-encoding'] = 'gzip'
      }
    } else if (path === '/ready') {
      const ready = pod.proxy?.ready === true
      status = ready ? 200 : 503
      body = ready ? 'ready\n' : 'not ready\n'
      if (ready) headers['content-type'] = 'text/plain'
    } else if (path === '/live') {
      body = 'live\n'
      headers['content-type'] = 'text/plain'
    } else if (path === '/proxy-log-level' && method === 'GET') {
      body = 'warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off'
    } else if (path === '/shutdown') {
      status = method === 'POST' ? 404 : 405
      body = method === 'POST' ? 'shutdown endpoint is not enabled\n' : ''
      if (method === 'POST') headers['content-type'] = 'text/plain'
    } else {
      status = 404
    }
    headers['content-length'] = String(Buffer.byteLength(body))
    let finished = false
    const done = (): void => {
      if (finished) return
      finished = true
      const ms = Math.floor(this.clock() - started)
      const bucket = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b)
      const index = bucket < 0 ? LATENCY_BOUNDS_MS.length : bucket
      admin.responseBuckets[index] = (admin.responseBuckets[index] ?? 0) + 1
      admin.responses++
      admin.responsesMs += ms
      admin.bytesWritten += Buffer.byteLength(body) + 80
      // counterReset: the proxy restarts right after every scrape, so the next one sees a new
      // process_start_time_seconds and counters that start again from zero.
      if (path === '/metrics' && pod.faults.has('counterReset')) {
        runtime.epochMs = this.clock()
        runtime.admin = newAdminCounters()
      }
    }
    return {answer: {body, headers, status}, done}
  }

  private adminHandler(pod: SimPod): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const requestBytes = 40 + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0)
      const {answer, done} = this.answer(pod, {
        acceptEncoding: String(req.headers['accept-encoding'] ?? ''),
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://localhost').pathname,
        requestBytes,
      })
      res.on('finish', done)
      res.writeHead(answer.status, answer.headers)
      res.end(answer.body)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    // Both ends of every in-memory connection are tracked; the servers never listened.
    for (const socket of this.sockets) socket.destroy()
    this.servers.clear()
  }
}

/** What containerd reports on the port-forward error channel when nothing listens on the port. */
function kubeletRefusal(pod: SimPod, port: number): string {
  return (
    `error forwarding port ${port} to pod ${(pod.object.metadata as {uid: string}).uid}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${pod.name}": ` +
    `failed to connect to localhost:${port} inside namespace "${pod.name}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  )
}

function appHandler(pod: SimPod): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const answer = pod.appRoutes?.[new URL(req.url ?? '/', 'http://localhost').pathname]?.() ?? `hello from ${pod.name}\n`
    const {status, body} = typeof answer === 'string' ? {status: 200, body: answer} : answer
    res.writeHead(status, {'content-type': 'text/plain'})
    res.end(body)
  }
}

/**
 * Two connected ends of an in-memory byte stream, shaped enough like a net.Socket for Node's
 * HTTP server (which only calls these socket methods when present, or as no-ops here).
 */
function memoryConnection(): [Duplex, Duplex] {
  const a = new MemorySocket()
  const b = new MemorySocket()
  a.peer = b
  b.peer = a
  return [a, b]
}

class MemorySocket extends Duplex {
  peer: MemorySocket | undefined
  readonly remoteAddress = '127.0.0.1'

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.peer && !this.peer.destroyed && !this.peer.readableEnded) this.peer.push(chunk)
    done()
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.peer && !this.peer.destroyed && !this.peer.readableEnded) this.peer.push(null)
    done()
  }

  override _read(): void {}

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (this.peer && !this.peer.destroyed) this.peer.destroy()
    done(err)
  }

  setTimeout(): this {
    return this
  }

  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  // A keep-alive http.Agent (the proxy subresources' client side) refs and unrefs its sockets.
  ref(): this {
    return this
  }

  unref(): this {
    return this
  }
}
