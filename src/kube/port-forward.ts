// Port-forward through the API server over our own v4.channel.k8s.io tunnels (tunnel.ts).
// proxyGet speaks HTTP/1.1 straight into the tunnel (no local socket); withPortForward keeps a
// local TCP server on 127.0.0.1 for callers that need a real port, one tunnel per accepted
// connection, and guarantees cleanup of the server, every socket and every tunnel. Failures
// become a PortForwardError, ClusterError or TimeoutError instead of a hang or "socket hang up".
import {request} from 'node:http'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import type {Duplex} from 'node:stream'

import type {KubeConfig} from '@kubernetes/client-node'

import {TimeoutError} from '../errors.js'
import {PortForwardError} from './errors.js'
import {HttpResponseError, HttpResponseReader} from './http-response.js'
import {TunnelDialer, type PortTunnel} from './tunnel.js'
import {KubeErrorCode, type HttpResult, type ObjectRef} from './types.js'

/** Cap on a forwarded HTTP body: a proxy's /metrics is ~100 KB; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024 * 1024

function timeoutError(pod: ObjectRef, port: number, timeoutMs: number): TimeoutError {
  return new TimeoutError(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port}: no answer within ${timeoutMs}ms`, {code: KubeErrorCode.timeout, hint: 'raise --request-timeout, or check the pod and its node'})
}

export class PortForwarder {
  readonly dialer: TunnelDialer

  constructor(
    kc: KubeConfig,
    server: string,
    private readonly timeoutMs: number,
  ) {
    this.dialer = new TunnelDialer(kc, server)
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
    let tunnel: PortTunnel | undefined
    let timer: NodeJS.Timeout | undefined
    let timedOut = false
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true
        tunnel?.destroy()
        reject(timeoutError(pod, port, timeoutMs))
      }, timeoutMs)
    })
    try {
      return await Promise.race([
        (async () => {
          tunnel = await this.dialer.dial(pod, port, timeoutMs)
          if (timedOut) tunnel.destroy()
          const opened = tunnel
          try {
            if (opened.errored) throw opened.errored
            return await getOver(opened, path)
          } catch (err) {
            // The tunnel's own failure (error-channel text, bad framing) explains more than the
            // HTTP reader's "closed before an answer".
            if (opened.errored) throw opened.errored
            if (err instanceof HttpResponseError) throw new PortForwardError(pod, port, err.message.replace('the connection', 'the tunnel'))
            throw err
          }
        })(),
        deadline,
      ])
    } finally {
      clearTimeout(timer)
      tunnel?.destroy()
    }
  }
}

/** A GET without keep-alive to 127.0.0.1:port, or over an already open stream (a tunnel). */
export function httpGet(port: number, path: string): Promise<HttpResult> {
  return get({agent: false, host: '127.0.0.1', port}, path)
}

/** One GET written into an open stream (a tunnel), its answer read without Node's HTTP client. */
function getOver(stream: Duplex, path: string): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const reader = new HttpResponseReader(MAX_BODY_BYTES)
    const finish = (run: () => HttpResult | undefined): void => {
      let result: HttpResult | undefined
      try {
        result = run()
      } catch (err) {
        cleanup()
        reject(err instanceof Error ? err : new Error(String(err)))
        return
      }
      if (result) {
        cleanup()
        resolve(result)
      }
    }
    const onData = (chunk: Buffer): void => finish(() => reader.push(chunk))
    const onEnd = (): void => finish(() => reader.end())
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const cleanup = (): void => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('close', onEnd)
      stream.off('error', onError)
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('close', onEnd)
    stream.once('error', onError)
    // Host is what a local port-forward would send; the proxy's admin server ignores it.
    stream.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: close\r\n\r\n`)
  })
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
