// The API server's proxy subresources, `/api/v1/namespaces/NS/pods/[SCHEME:]NAME[:PORT]/proxy/PATH`
// and `.../services/[SCHEME:]NAME[:PORT]/proxy/PATH`, as kube-apiserver serves them (pod and service
// ResourceLocation, then an upgrade-aware reverse proxy): the pod's IP and port, or for a service
// one ready endpoint of the named or numbered port. The hop to the pod is an in-memory HTTP/1.1
// connection to the simulated proxy's admin server or app port, kept alive per pod and port like
// the API server's transport keeps its connections, so hundreds of scrapes over one HTTP/2
// session cost no sockets. Failures answer what kube-apiserver answers: 503 `error trying to
// reach service: dial tcp IP:PORT: connect: connection refused`, 503 `no endpoints available for
// service "x"`, 400 `address not allowed` for a pod without an IP.
import {Agent, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders} from 'node:http'
import type {Http2ServerRequest, Http2ServerResponse} from 'node:http2'
import type {ServerResponse} from 'node:http'
import type {Duplex} from 'node:stream'

import type {SimPod} from './build.js'
import type {PodServers} from './proxy/admin-server.js'
import type {Json, ObjectStore} from './store.js'

export type AnyRequest = IncomingMessage | Http2ServerRequest
export type AnyResponse = ServerResponse | Http2ServerResponse

/** An error the API server answers with a Status body. */
export class ProxyError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: Json,
  ) {
    super(message)
  }
}

export interface ProxyTarget {
  /** `pods` or `services`. */
  resource: 'pods' | 'services'
  namespace: string
  /** The name segment as written: `name`, `name:port` or `scheme:name:port`. */
  id: string
  /** The path after `/proxy` (may be empty), still URL-encoded. */
  path: string
}

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)\/([^/]+)\/proxy(\/.*)?$/

/** The proxy target of a request path, or undefined for any other path. */
export function parseProxyPath(pathname: string): ProxyTarget | undefined {
  const match = PROXY_PATH.exec(pathname)
  if (!match) return undefined
  const [, namespace, resource, id, path] = match as unknown as [string, string, 'pods' | 'services', string, string | undefined]
  return {id: decodeURIComponent(id), namespace: decodeURIComponent(namespace), path: path ?? '', resource}
}

/** k8s.io/apimachinery/pkg/util/net.SplitSchemeNamePort. */
export function splitSchemeNamePort(id: string): {name: string; port: string; scheme: string} | undefined {
  const parts = id.split(':')
  let scheme = ''
  let name: string
  let port = ''
  if (parts.length === 1) name = parts[0] as string
  else if (parts.length === 2) [name, port] = parts as [string, string]
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string]
  else return undefined
  if (name === '' || !['', 'http', 'https'].includes(scheme)) return undefined
  return {name, port, scheme}
}

/** Methods kube-apiserver proxies (ProxyREST.ConnectMethods); the verb each is authorized as. */
export const PROXY_VERBS: Record<string, string> = {DELETE: 'delete', GET: 'get', HEAD: 'get', OPTIONS: 'options', POST: 'create', PUT: 'update'}

// Hop-by-hop headers (RFC 9110 §7.6.1) and HTTP/2 pseudo-headers never cross the proxy; the
// credentials were consumed by the API server's authentication, which removes them.
const DROPPED = new Set(['authorization', 'connection', 'host', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings'])

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || DROPPED.has(name)) continue
    out[name] = value
  }
  return out
}

/** One keep-alive agent per pod and port whose connections are the pod's in-memory ones. */
class PodAgent extends Agent {
  constructor(private readonly open: () => Duplex) {
    // Go's http.Transport as kube-apiserver configures it keeps a few idle connections per host.
    super({keepAlive: true, maxFreeSockets: 8})
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    try {
      return this.open()
    } catch (err) {
      // The agent takes a socket either returned or handed to the callback.
      callback?.(err as Error, undefined as unknown as Duplex)
      return undefined
    }
  }
}

/** `dial tcp` errors worded like Go's net package, which kube-apiserver's message quotes. */
class DialError extends Error {}

export class ProxySubresource {
  private readonly agents = new Map<string, PodAgent>()

  constructor(
    private readonly pods: Map<string, SimPod>,
    private readonly servers: PodServers,
    private readonly store: ObjectStore,
  ) {}

  /**
   * Resolves the target to a pod and port (ResourceLocation); throws ProxyError with the status
   * kube-apiserver answers when it cannot.
   */
  locate(target: ProxyTarget): {pod: SimPod; port: number; scheme: string; hostPort: string} {
    const parts = splitSchemeNamePort(target.id)
    if (!parts) throw new ProxyError(400, `invalid ${target.resource === 'pods' ? 'pod' : 'service'} request "${target.id}"`)
    return target.resource === 'pods' ? this.locatePod(target.namespace, parts) : this.locateService(target.namespace, target.id, parts)
  }

  private podObject(namespace: string, name: string): SimPod {
    const pod = this.pods.get(`${namespace}/${name}`)
    if (!pod || !this.store.get('', 'Pod', namespace, name)) throw new ProxyError(404, `pods "${name}" not found`, {kind: 'pods', name})
    return pod
  }

  private locatePod(namespace: string, parts: {name: string; port: string; scheme: string}): {pod: SimPod; port: number; scheme: string; hostPort: string} {
    const pod = this.podObject(namespace, parts.name)
    let port = parts.port
    if (port === '') {
      // No port: the first declared port of the pod's containers (not its init containers).
      const containers = ((pod.object.spec as Json).containers as Json[] | undefined) ?? []
      const first = containers.map((c) => (c.ports as Json[] | undefined)?.[0]?.containerPort).find((p) => typeof p === 'number')
      port = typeof first === 'number' ? String(first) : ''
    }
    if (!pod.ip) throw new ProxyError(400, 'address not allowed')
    // Without any port Go dials the IP alone, port 80 for http.
    const number = port === '' ? (parts.scheme === 'https' ? 443 : 80) : Number(port)
    return {hostPort: port === '' ? pod.ip : `${pod.ip}:${port}`, pod, port: Number.isInteger(number) ? number : Number.NaN, scheme: parts.scheme}
  }

  private locateService(namespace: string, id: string, parts: {name: string; port: string; scheme: string}): {pod: SimPod; port: number; scheme: string; hostPort: string} {
    const service = this.store.get('', 'Service', namespace, parts.name)
    if (!service) throw new ProxyError(404, `services "${parts.name}" not found`, {kind: 'services', name: parts.name})
    let portName = parts.port
    if (/^\d+$/.test(portName)) {
      const ports = ((service.spec as Json).ports as Json[] | undefined) ?? []
      const declared = ports.find((p) => String(p.port) === portName)
      if (!declared) throw new ProxyError(503, `no service port ${portName} found for service "${parts.name}"`)
      portName = typeof declared.name === 'string' ? declared.name : ''
    }
    const endpoints = this.store.get('', 'Endpoints', namespace, parts.name)
    if (!endpoints) throw new ProxyError(404, `endpoints "${parts.name}" not found`, {kind: 'endpoints', name: parts.name})
    const subsets = (endpoints.subsets as Json[] | undefined) ?? []
    if (subsets.length === 0) throw new ProxyError(503, `no endpoints available for service "${parts.name}"`)
    for (const subset of subsets) {
      const addresses = (subset.addresses as Json[] | undefined) ?? []
      const port = ((subset.ports as Json[] | undefined) ?? []).find((p) => (typeof p.name === 'string' ? p.name : '') === portName)
      if (addresses.length === 0 || !port) continue
      // A random ready address, as kube-apiserver picks one.
      const address = addresses[Math.floor(Math.random() * addresses.length)] as Json
      const ref = address.targetRef as Json | undefined
      const pod = typeof ref?.name === 'string' ? this.pods.get(`${namespace}/${ref.name}`) : undefined
      if (!pod) continue
      return {hostPort: `${String(address.ip)}:${String(port.port)}`, pod, port: Number(port.port), scheme: parts.scheme}
    }
    throw new ProxyError(503, `no endpoints available for service "${id}"`)
  }

  /** Proxies one request to `target` and streams the answer back; errors become Status answers. */
  serve(req: AnyRequest, res: AnyResponse, target: ProxyTarget, prefix: string, search: string, fail: (err: ProxyError) => void): void {
    let location
    try {
      location = this.locate(target)
    } catch (err) {
      if (err instanceof ProxyError) return fail(err)
      throw err
    }
    const method = req.method ?? 'GET'
    // kube-apiserver redirects an empty proxied path to `/` for GET and HEAD (issue 4958).
    if (target.path === '' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(301, {location: `${prefix}/${search}`})
      res.end()
      return
    }
    const unreachable = (detail: string): void => fail(new ProxyError(503, `error trying to reach service: ${detail}`))
    if (location.scheme === 'https') {
      // Every simulated port speaks plain HTTP, so a TLS client's handshake fails as Go's does.
      return unreachable('tls: first record does not look like a TLS handshake')
    }
    if (!Number.isInteger(location.port)) return unreachable(`dial tcp: address tcp/${location.hostPort.split(':')[1] ?? ''}: unknown port`)
    // Linkerd policy on the admin port that does not authorize the API server (a non-loopback,
    // unmeshed client): the proxy itself answers 403 with an empty body; port-forwards, whose
    // connection comes from loopback, are always authorized.
    if (location.pod.faults.has('adminDeniesApiServer') && location.port === location.pod.adminPort && location.pod.proxy) {
      req.resume()
      res.writeHead(403, {'content-length': '0'})
      res.end()
      return
    }
    const headers = forwardable(req.headers)
    headers.host = location.hostPort
    headers['x-forwarded-uri'] = `${prefix}${target.path}`
    headers['x-forwarded-host'] = String(req.headers[':authority'] ?? req.headers.host ?? '')
    headers['x-forwarded-proto'] = 'https'
    headers['x-forwarded-for'] = req.socket?.remoteAddress ?? '127.0.0.1'
    const upstream = request({agent: this.agent(location.pod, location.port, location.hostPort), headers, method, path: `${target.path || '/'}${search}`, timeout: 30_000})
    upstream.on('response', (answer) => {
      const out = forwardable(answer.headers)
      res.writeHead(answer.statusCode ?? 502, out as Record<string, string | string[]>)
      answer.pipe(res as NodeJS.WritableStream)
      answer.on('error', () => res.destroy())
    })
    upstream.on('timeout', () => upstream.destroy(new DialError(`dial tcp ${location.hostPort}: i/o timeout`)))
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      unreachable(err instanceof DialError ? err.message : `dial tcp ${location.hostPort}: connect: connection refused`)
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  }

  private agent(pod: SimPod, port: number, hostPort: string): PodAgent {
    const key = `${pod.key}:${port}`
    let agent = this.agents.get(key)
    if (!agent) {
      agent = new PodAgent(() => this.servers.connect(pod, port, () => new DialError(`dial tcp ${hostPort}: connect: connection refused`)))
      this.agents.set(key, agent)
    }
    return agent
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy()
    this.agents.clear()
  }
}
