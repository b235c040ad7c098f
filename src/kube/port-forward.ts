// Port-forward through the API server over our own v4.channel.k8s.io tunnels (tunnel.ts).
// get/getMany speak HTTP/1.1 straight into the tunnel (no local socket); withPortForward keeps a
// local TCP server on 127.0.0.1 for callers that need a real port, one tunnel per accepted
// connection, and guarantees cleanup of the server, every socket and every tunnel. Failures
// become a PortForwardError, ClusterError or TimeoutError instead of a hang or "socket hang up".
import {request} from 'node:http'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import type {Duplex} from 'node:stream'

import {TimeoutError} from '../errors.js'
import {PortForwardError} from './errors.js'
import {HttpResponseError, HttpResponseReader} from './http-response.js'
import type {ClusterTransport} from './transport.js'
import {TunnelDialer, type PortTunnel} from './tunnel.js'
import {durationText} from './retry.js'
import {KubeErrorCode, type HttpResult, type ObjectRef, type RetryNotice} from './types.js'

/** Cap on a forwarded HTTP body: a proxy's /metrics is ~100 KB; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024 * 1024

function timeoutError(pod: ObjectRef, port: number, timeoutMs: number, what = 'no answer'): TimeoutError {
  return new TimeoutError(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port}: ${what} within ${durationText(timeoutMs)}`, {code: KubeErrorCode.timeout, hint: 'raise --request-timeout, or check the pod and its node'})
}

export class PortForwarder {
  readonly dialer: TunnelDialer

  constructor(
    transport: ClusterTransport,
    private readonly timeoutMs: number,
    onRetry?: (notice: RetryNotice) => void,
  ) {
    this.dialer = new TunnelDialer(transport, onRetry)
  }

  async withPortForward<T>(pod: ObjectRef, port: number, fn: (localPort: number) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const sockets = new Set<Socket>()
    const tunnels = new Set<PortTunnel>()
    let failure: Error | undefined
    let closed = false

    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      this.dialer.dial(pod, port, timeoutMs).then(
        (tunnel) => {
          if (closed) {
            tunnel.destroy()
            return
          }
          tunnels.add(tunnel)
          tunnel.on('error', (err) => {
            failure ??= err
            socket.destroy()
          })
          tunnel.on('close', () => {
            tunnels.delete(tunnel)
            socket.end()
          })
          socket.on('close', () => tunnel.destroy())
          socket.pipe(tunnel).pipe(socket)
        },
        (err: unknown) => {
          failure ??= err as Error
          socket.destroy()
        },
      )
    })

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    let timer: NodeJS.Timeout | undefined
    try {
      const localPort = (server.address() as AddressInfo).port
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(pod, port, timeoutMs)), timeoutMs)
      })
      try {
        return await Promise.race([fn(localPort), deadline])
      } catch (err) {
        throw failure ?? err
      }
    } finally {
      clearTimeout(timer)
      closed = true
      for (const tunnel of tunnels) tunnel.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  /** One HTTP/1.1 GET written straight into a tunnel; any status resolves. */
  async get(pod: ObjectRef, port: number, path: string, timeoutMs = this.timeoutMs): Promise<HttpResult> {
    const [answer] = await this.getMany(pod, port, [path], timeoutMs)
    if (answer instanceof Error || answer === undefined) throw answer ?? new PortForwardError(pod, port, 'no answer')
    return answer
  }

  /**
   * GETs of `paths` in order over one tunnel and one keep-alive connection (a proxy's /live,
   * /ready and /metrics cost one port-forward). A tunnel that cannot be opened rejects; once it
   * is open every path gets its answer or an error, and after a failure the paths left get the
   * same error (the connection's state is unknown). `timeoutMs` bounds the whole port-forward,
   * dial and requests together, so a tunnel that opens and then stalls ends at the same bound.
   */
  async getMany(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs = this.timeoutMs): Promise<Array<HttpResult | Error>> {
    const started = Date.now()
    const tunnel = await this.dialer.dial(pod, port, timeoutMs)
    // A silent pod: the tunnel is destroyed with the timeout, which every open request reports.
    let asked = paths[0] ?? ''
    const stalled = (): void => void tunnel.destroy(timeoutError(pod, port, timeoutMs, `the tunnel opened, then GET ${asked} got no answer`))
    const timer = setTimeout(stalled, Math.max(0, started + timeoutMs - Date.now()))
    try {
      const answers = tunnel.errored ? paths.map(() => tunnel.errored as Error) : await exchange(tunnel, paths, (path) => (asked = path))
      // The tunnel's own failure (error-channel text, bad framing, the timeout) explains more
      // than the HTTP reader's "closed before an answer".
      return answers.map((answer) => {
        if (!(answer instanceof Error)) return answer
        if (tunnel.errored) return tunnel.errored
        if (answer instanceof HttpResponseError) return new PortForwardError(pod, port, answer.message.replace('the connection', 'the tunnel'))
        return answer
      })
    } finally {
      clearTimeout(timer)
      tunnel.destroy()
    }
  }
}

/** Writes each GET into an open stream (a tunnel) after the previous answer; reads answers without Node's HTTP client. */
function exchange(stream: Duplex, paths: readonly string[], onAsk: (path: string) => void): Promise<Array<HttpResult | Error>> {
  return new Promise((resolve) => {
    const answers: Array<HttpResult | Error> = []
    let reader: HttpResponseReader | undefined
    let closed = false
    const finish = (): void => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('close', onEnd)
      stream.off('error', onError)
      resolve(answers)
    }
    const settle = (answer: HttpResult | Error): void => {
      reader = undefined
      answers.push(answer)
      if (answer instanceof Error) {
        while (answers.length < paths.length) answers.push(answer)
        return finish()
      }
      if (/\bclose\b/i.test(answer.headers.connection ?? '')) closed = true
      next()
    }
    const next = (): void => {
      const path = paths[answers.length]
      if (path === undefined) return finish()
      if (closed) return settle(new HttpResponseError('the connection closed before an answer'))
      reader = new HttpResponseReader(MAX_BODY_BYTES)
      onAsk(path)
      const last = answers.length === paths.length - 1
      // Host is what a local port-forward would send; the proxy's admin server ignores it.
      stream.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: ${last ? 'close' : 'keep-alive'}\r\n\r\n`)
    }
    const read = (run: (current: HttpResponseReader) => HttpResult | undefined): void => {
      if (!reader) return
      let answer: HttpResult | undefined
      try {
        answer = run(reader)
      } catch (err) {
        settle(err instanceof Error ? err : new Error(String(err)))
        return
      }
      if (answer) settle(answer)
    }
    const onData = (chunk: Buffer): void => read((current) => current.push(chunk))
    const onEnd = (): void => {
      closed = true
      read((current) => current.end())
    }
    const onError = (err: Error): void => {
      if (reader) settle(err)
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('close', onEnd)
    stream.once('error', onError)
    next()
  })
}

/** A GET without keep-alive to 127.0.0.1:port (the local end of withPortForward). */
export function httpGet(port: number, path: string): Promise<HttpResult> {
  return get({agent: false, host: '127.0.0.1', port}, path)
}

function get(target: {agent: false; host: string; port: number}, path: string): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const req = request({...target, headers: {accept: '*/*', connection: 'close'}, method: 'GET', path}, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
        resolve({body: Buffer.concat(chunks).toString('utf8'), headers, status: res.statusCode ?? 0})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}
