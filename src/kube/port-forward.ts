// Port-forward through the API server (client-node's PortForward, WebSocket v4.channel.k8s.io):
// a local TCP server on 127.0.0.1, one tunnel per accepted connection, and a guaranteed cleanup
// of the server, every socket and every tunnel. client-node does not end the local socket when
// the tunnel closes, and reports kubelet refusals only as text on the error channel; both are
// handled here so callers get a PortForwardError instead of a hang or "socket hang up".
import {request} from 'node:http'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {Writable} from 'node:stream'

import {PortForward, type KubeConfig} from '@kubernetes/client-node'

import {ClusterError, TimeoutError} from '../errors.js'
import {PortForwardError, toKubeError} from './errors.js'
import {KubeErrorCode, type HttpResult, type ObjectRef} from './types.js'

interface Closable {
  close(): void
  terminate?(): void
  on(event: 'close', listener: () => void): unknown
}

/** Cap on a forwarded HTTP body: a proxy's /metrics is ~100 KB; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024 * 1024

export class PortForwarder {
  constructor(
    private readonly kc: KubeConfig,
    private readonly server: string,
    private readonly timeoutMs: number,
  ) {}

  async withPortForward<T>(pod: ObjectRef, port: number, fn: (localPort: number) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const forward = new PortForward(this.kc)
    const sockets = new Set<Socket>()
    const tunnels = new Set<Closable>()
    let failure: Error | undefined
    let closed = false

    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      let errorText = ''
      const errors = new Writable({
        write(chunk: Buffer, _encoding, done) {
          errorText += chunk.toString('utf8')
          done()
        },
      })
      forward.portForward(pod.namespace, pod.name, [port], socket, errors, socket).then(
        (opened) => {
          const ws = opened as unknown as Closable
          if (closed) {
            ws.terminate?.()
            return
          }
          tunnels.add(ws)
          ws.on('close', () => {
            tunnels.delete(ws)
            if (errorText.trim() !== '') failure ??= new PortForwardError(pod, port, errorText.trim())
            socket.end()
          })
        },
        (err: unknown) => {
          failure ??= handshakeError(err, pod, port, this.server, timeoutMs)
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
        timer = setTimeout(
          () => reject(new TimeoutError(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port}: no answer within ${timeoutMs}ms`, {code: KubeErrorCode.timeout, hint: 'raise --request-timeout, or check the pod and its node'})),
          timeoutMs,
        )
      })
      try {
        return await Promise.race([fn(localPort), deadline])
      } catch (err) {
        throw failure ?? err
      }
    } finally {
      clearTimeout(timer)
      closed = true
      for (const ws of tunnels) {
        if (ws.terminate) ws.terminate()
        else ws.close()
      }
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  /** One HTTP/1.1 GET through a port-forward; any status resolves. */
  async get(pod: ObjectRef, port: number, path: string, timeoutMs = this.timeoutMs): Promise<HttpResult> {
    return this.withPortForward(pod, port, (localPort) => httpGet(localPort, path), timeoutMs)
  }
}

function handshakeError(err: unknown, pod: ObjectRef, port: number, server: string, timeoutMs: number): Error {
  const message = err instanceof Error ? err.message : String((err as {message?: unknown})?.message ?? err)
  const status = Number(/Unexpected server response: (\d+)/.exec(message)?.[1])
  if (status === 401) {
    return new ClusterError(`unauthorized: the API server at ${server} rejected the credentials`, {code: KubeErrorCode.unauthorized, hint: 'refresh the credentials of this kubeconfig context'})
  }
  if (status === 403) {
    return new ClusterError(`forbidden: port-forward to pod/${pod.name} in ${pod.namespace}`, {code: KubeErrorCode.forbidden, hint: 'the user needs "create" on pods/portforward'})
  }
  if (status === 404) return new PortForwardError(pod, port, 'pod not found')
  if (status) return new PortForwardError(pod, port, `the API server answered ${status} (is the pod running?)`)
  const cause = (err as {error?: unknown})?.error ?? err
  return toKubeError(cause, {action: `port-forward to pod/${pod.name} in ${pod.namespace}`, server, timeoutMs})
}

/** A plain GET to 127.0.0.1:port without keep-alive, so nothing lingers after the answer. */
export function httpGet(port: number, path: string): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const req = request({agent: false, headers: {accept: '*/*', connection: 'close'}, host: '127.0.0.1', method: 'GET', path, port}, (res) => {
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
