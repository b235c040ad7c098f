// A Kubernetes API server as far as check, viz stat, diagnose and `kubectl get` use one: HTTPS on
// 127.0.0.1 with bearer-token or client-certificate auth (401 Status otherwise), legacy JSON
// discovery, list/get with namespace, label and field selectors, Status errors (400, 401, 403,
// 404, 405, 500), server-side Table printing, SelfSubjectAccessReview, the pods and services proxy
// subresources, and pods/portforward over WebSocket. HTTP/2 (ALPN h2) and HTTP/1.1 share the TLS
// port like a real API server; upgrades stay HTTP/1.1 as in Kubernetes. Wire details proven
// against client-node 1.4 and kubectl 1.32: docs/simulated-cluster.md.
import type {IncomingMessage} from 'node:http'
import {createSecureServer, type Http2SecureServer} from 'node:http2'
import type {AddressInfo, Socket} from 'node:net'
import type {TLSSocket} from 'node:tls'

import {WebSocketServer} from 'ws'

import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from '../../src/kube/selectors.js'
import type {SimPod} from './build.js'
import type {ApiPki} from './pki.js'
import {PORT_FORWARD_PROTOCOL, servePortForward} from './port-forward.js'
import {accessReviewAttributes, isKubeProtobuf} from './protobuf.js'
import type {PodServers} from './proxy/admin-server.js'
import {parseProxyPath, PROXY_VERBS, ProxySubresource, type AnyRequest, type AnyResponse} from './proxy-subresource.js'
import {groupVersion, type ResourceType} from './resources.js'
import {isSpdyPortForward, SpdyPortForward} from './spdy/upgrade.js'
import type {ObjectStore, Json} from './store.js'
import {toTable, wantsTable} from './table.js'
import {Watches, WatchError} from './watch.js'

export interface Forbidden {
  namespace?: string
  resource: string
  verbs: string[]
}

/** An error the server returns for matching requests, for tests of error handling. */
export interface InjectedApiError {
  message?: string
  method?: string
  /** Substring of the request path, e.g. `/secrets`. */
  path: string
  status: number
  /** How many requests fail; unlimited when absent. */
  times?: number
}

export interface ApiServerOptions {
  forbidden: Forbidden[]
  kubernetesVersion: string
  pki: ApiPki
  /** How often watches that allow bookmarks get one (default a minute, as kube-apiserver). */
  bookmarkIntervalMs?: number
  pods: Map<string, SimPod>
  servers: PodServers
  store: ObjectStore
  token: string
}

/**
 * SETTINGS_MAX_CONCURRENT_STREAMS, kube-apiserver's default (--http2-max-streams-per-connection 0
 * means 100 since the HTTP/2 rapid-reset fixes): a client multiplexing more requests on one session
 * must queue them, as Go's and Node's clients do.
 */
export const HTTP2_MAX_STREAMS = 100

const REASONS: Record<number, string> = {301: 'MovedPermanently', 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 406: 'NotAcceptable', 409: 'AlreadyExists', 500: 'InternalError', 503: 'ServiceUnavailable'}

export function statusBody(code: number, message: string, details?: Json): Json {
  return {apiVersion: 'v1', code, ...(details ? {details} : {}), kind: 'Status', message, metadata: {}, reason: REASONS[code] ?? 'Unknown', status: 'Failure'}
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: Json,
  ) {
    super(message)
  }
}

function stripTypeMeta(o: Json): Json {
  const {apiVersion: _a, kind: _k, ...rest} = o
  return rest
}

export class ApiServer {
  private readonly server: Http2SecureServer
  private readonly proxy: ProxySubresource
  private readonly watches: Watches
  private readonly wss: WebSocketServer
  private readonly sockets = new Set<Socket>()
  /** kubectl's port-forwards (SPDY, in a WebSocket or plain); the v4 WebSocket stays in `wss`. */
  readonly spdy: SpdyPortForward
  readonly injected: InjectedApiError[] = []
  /** The last 10,000 requests, as `METHOD path?query`, for tests that count API calls. */
  readonly requests: string[] = []

  constructor(private readonly options: ApiServerOptions) {
    // ALPN offers h2 then http/1.1; clients without ALPN (client-node, WebSockets) get HTTP/1.1.
    // Node refuses new streams (ENHANCE_YOUR_CALM) once a session buffers maxSessionMemory MB,
    // which 100 answers of 100 KB to a slow reader reach; a Go server has no such limit.
    this.server = createSecureServer(
      {
        allowHTTP1: true,
        ca: options.pki.ca.certPem,
        cert: options.pki.server.certPem,
        key: options.pki.server.keyPem,
        maxSessionMemory: 512,
        rejectUnauthorized: false,
        requestCert: true,
        settings: {maxConcurrentStreams: HTTP2_MAX_STREAMS},
      },
      (req: AnyRequest, res: AnyResponse) => this.handle(req, res),
    )
    this.proxy = new ProxySubresource(options.pods, options.servers, options.store)
    this.watches = new Watches(options.store, options.bookmarkIntervalMs)
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    this.server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    this.wss = new WebSocketServer({
      handleProtocols: (protocols) => (protocols.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false),
      noServer: true,
    })
    this.spdy = new SpdyPortForward(options.servers)
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head))
  }

  private record(line: string): void {
    // Bounded, so a long `npm run sim` session does not grow without limit.
    if (this.requests.length >= 10_000) this.requests.splice(0, 1_000)
    this.requests.push(line)
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return (this.server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    this.proxy.close()
    this.watches.closeAll()
    for (const client of this.wss.clients) client.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    this.spdy.close()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private user(req: AnyRequest): string | undefined {
    const auth = req.headers.authorization
    if (auth !== undefined) return auth === `Bearer ${this.options.token}` ? 'admin' : undefined
    const tls = req.socket as TLSSocket
    if (tls.authorized) {
      const cn = tls.getPeerCertificate()?.subject?.CN
      return typeof cn === 'string' ? cn : undefined
    }
    return undefined
  }

  private injectedError(req: AnyRequest, path: string): InjectedApiError | undefined {
    const rule = this.injected.find((e) => path.includes(e.path) && (e.method === undefined || e.method === req.method) && (e.times === undefined || e.times > 0))
    if (rule && rule.times !== undefined) rule.times--
    return rule
  }

  private handle(req: AnyRequest, res: AnyResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    this.record(`${req.method ?? 'GET'} ${url.pathname}${url.search}`)
    const send = (code: number, body: unknown): void => {
      const text = JSON.stringify(body)
      res.writeHead(code, {'cache-control': 'no-cache, private', 'content-length': Buffer.byteLength(text), 'content-type': 'application/json'})
      res.end(text)
    }
    const user = this.user(req)
    if (!user) {
      send(401, statusBody(401, 'Unauthorized'))
      return
    }
    const proxied = parseProxyPath(url.pathname)
    if (proxied) {
      // Streams both ways, so it is answered before the body is read.
      const fail = (err: {code: number; details?: Json | undefined; message: string}): void => send(err.code, statusBody(err.code, err.message, err.details))
      const injected = this.injectedError(req, url.pathname)
      if (injected) return fail({code: injected.status, message: injected.message ?? 'Internal error occurred: simulated failure'})
      const verb = PROXY_VERBS[req.method ?? 'GET']
      if (!verb) return fail({code: 405, message: `the server does not allow this method on the requested resource`})
      try {
        this.authorize(user, verb, {group: '', plural: proxied.resource}, proxied.namespace, proxied.id, 'proxy')
      } catch (err) {
        if (err instanceof HttpError) return fail(err)
        throw err
      }
      const prefix = url.pathname.slice(0, url.pathname.length - proxied.path.length)
      this.proxy.serve(req, res, proxied, prefix, url.search, fail)
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const injected = this.injectedError(req, url.pathname)
        if (injected) throw new HttpError(injected.status, injected.message ?? 'Internal error occurred: simulated failure')
        const body = this.route(req, url, user, Buffer.concat(chunks))
        if ('stream' in body) body.stream(res)
        else send(body.code ?? 200, body.body)
      } catch (err) {
        if (err instanceof HttpError || err instanceof WatchError) send(err.code, statusBody(err.code, err.message, err instanceof HttpError ? err.details : undefined))
        else send(500, statusBody(500, `Internal error occurred: ${(err as Error).message}`))
      }
    })
  }

  private route(req: AnyRequest, url: URL, user: string, body: Buffer): {body: unknown; code?: number} | {stream: (res: AnyResponse) => void} {
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const {store} = this.options
    if (path === '/version') return {body: this.version()}
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return {body: 'ok'}
    if (path === '/api') return {body: {kind: 'APIVersions', serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? req.headers[':authority'] ?? '127.0.0.1'}], versions: ['v1']}}
    if (path === '/apis') {
      const groups = [...store.registry.groups()].map(([name, versions]) => ({name, preferredVersion: {groupVersion: `${name}/${versions[versions.length - 1]}`, version: versions[versions.length - 1]}, versions: versions.map((v) => ({groupVersion: `${name}/${v}`, version: v}))}))
      return {body: {apiVersion: 'v1', groups, kind: 'APIGroupList'}}
    }
    const parts = path.split('/').filter((p) => p !== '')
    let group: string
    let version: string
    let rest: string[]
    if (parts[0] === 'api' && parts.length >= 2) {
      group = ''
      version = parts[1] as string
      rest = parts.slice(2)
    } else if (parts[0] === 'apis' && parts.length >= 2) {
      group = parts[1] as string
      const versions = store.registry.groups().get(group)
      if (!versions) throw new HttpError(404, 'the server could not find the requested resource')
      if (parts.length === 2) {
        const latest = versions[versions.length - 1] as string
        return {body: {apiVersion: 'v1', kind: 'APIGroup', name: group, preferredVersion: {groupVersion: `${group}/${latest}`, version: latest}, versions: versions.map((v) => ({groupVersion: `${group}/${v}`, version: v}))}}
      }
      version = parts[2] as string
      rest = parts.slice(3)
    } else {
      throw new HttpError(404, 'the server could not find the requested resource')
    }
    const types = store.registry.all.filter((t) => t.group === group && t.version === version)
    if (types.length === 0) throw new HttpError(404, 'the server could not find the requested resource')
    if (rest.length === 0) return {body: this.resourceList(group, version, types)}
    // `/watch/...` is the deprecated spelling of `?watch=true`, still served.
    const legacyWatch = rest[0] === 'watch'
    if (legacyWatch) rest = rest.slice(1)
    const watch = legacyWatch || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1'

    let namespace: string | undefined
    let plural: string
    let name: string | undefined
    let sub: string | undefined
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]
      plural = rest[2] as string
      name = rest[3]
      sub = rest[4]
    } else {
      plural = rest[0] as string
      name = rest[1]
      sub = rest[2]
    }
    const type = store.registry.find(group, version, plural)
    if (!type) throw new HttpError(404, 'the server could not find the requested resource')
    const verb = req.method === 'POST' ? 'create' : watch ? 'watch' : name === undefined ? 'list' : 'get'

    if (type.plural === 'selfsubjectaccessreviews') {
      if (req.method !== 'POST') throw new HttpError(405, `the server does not allow this method on the requested resource`)
      return {body: this.accessReview(body, user), code: 201}
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `the simulated API server is read-only (${req.method ?? ''} ${type.plural})`)
    if (namespace !== undefined && !type.namespaced) throw new HttpError(404, 'the server could not find the requested resource')
    this.authorize(user, verb, type, namespace, name)

    if (watch) {
      if (!type.verbs.includes('watch') || sub !== undefined) throw new HttpError(405, `the server does not allow this method on the requested resource`)
      if (type.namespaced === false && namespace !== undefined) throw new HttpError(404, 'the server could not find the requested resource')
      const params = url.searchParams
      const timeout = params.get('timeoutSeconds')
      const options = {
        allowBookmarks: params.get('allowWatchBookmarks') === 'true',
        fields: this.selectors(url, name).fields,
        includeObject: params.get('includeObject') ?? undefined,
        labels: this.selectors(url, name).labels,
        namespace,
        resourceVersion: params.get('resourceVersion') ?? undefined,
        sendInitialEvents: params.get('sendInitialEvents') === 'true',
        table: wantsTable(req.headers.accept)?.version,
        timeoutSeconds: timeout !== null && /^\d+$/.test(timeout) ? Number(timeout) : undefined,
        type,
      }
      return {stream: (res) => this.watches.serve(res, options)}
    }

    if (name !== undefined) {
      if (sub !== undefined && sub !== 'status') {
        if (type.plural === 'pods' && sub === 'portforward') throw new HttpError(400, 'Upgrade request required')
        throw new HttpError(404, 'the server could not find the requested resource')
      }
      if (type.namespaced && namespace === undefined) throw new HttpError(404, 'the server could not find the requested resource')
      const object = store.get(group, type.kind, namespace, name)
      if (!object) throw new HttpError(404, `${type.plural}${group ? `.${group}` : ''} "${name}" not found`, {kind: type.plural, name, ...(group ? {group} : {})})
      const withType = {...object, apiVersion: groupVersion(type), kind: type.kind}
      const table = wantsTable(req.headers.accept)
      return {body: table ? toTable(type.kind, [withType], table.version, store.resourceVersion, url.searchParams.get('includeObject') ?? undefined) : withType}
    }

    const {fields, labels} = this.selectors(url)
    const items = store
      .list(group, type.kind, type.namespaced ? namespace : undefined)
      .filter((o) => matchesLabels(labels, (o.metadata as Json).labels as Record<string, string> | undefined) && matchesFields(fields, o))
    const table = wantsTable(req.headers.accept)
    if (table) return {body: toTable(type.kind, items, table.version, store.resourceVersion, url.searchParams.get('includeObject') ?? undefined)}
    return {body: {apiVersion: groupVersion(type), items: items.map(stripTypeMeta), kind: `${type.kind}List`, metadata: {resourceVersion: store.resourceVersion}}}
  }

  /** The request's label and field selectors; a name in a legacy watch path is a field selector. */
  private selectors(url: URL, name?: string): {fields: ReturnType<typeof parseFieldSelector>; labels: ReturnType<typeof parseLabelSelector>} {
    try {
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '')
      if (name !== undefined) fields.push(...parseFieldSelector(`metadata.name=${name}`))
      return {fields, labels: parseLabelSelector(url.searchParams.get('labelSelector') ?? '')}
    } catch (err) {
      throw new HttpError(400, `unable to parse requirement: ${(err as Error).message}`)
    }
  }

  private version(): Json {
    const v = this.options.kubernetesVersion
    const match = /^v?(\d+)\.(\d+)/.exec(v)
    return {buildDate: '2025-04-22T16:00:00Z', compiler: 'gc', gitCommit: 'c9a9e1f5b3f6d7e8a0b1c2d3e4f5a6b7c8d9e0f1', gitTreeState: 'clean', gitVersion: v, goVersion: 'go1.23.8', major: match?.[1] ?? '1', minor: match?.[2] ?? '32', platform: 'linux/amd64'}
  }

  private resourceList(group: string, version: string, types: ResourceType[]): Json {
    const resources: Json[] = []
    for (const t of types) {
      resources.push({
        ...(t.categories ? {categories: t.categories} : {}),
        kind: t.kind,
        name: t.plural,
        namespaced: t.namespaced,
        ...(t.shortNames ? {shortNames: t.shortNames} : {}),
        singularName: t.singular,
        storageVersionHash: Buffer.from(`${t.group}/${t.plural}`).toString('base64').slice(0, 11),
        verbs: t.verbs,
      })
      for (const sub of t.subresources ?? []) resources.push({kind: sub.kind, name: `${t.plural}/${sub.name}`, namespaced: t.namespaced, singularName: '', verbs: sub.verbs})
    }
    return {apiVersion: 'v1', groupVersion: groupVersion({group, version}), kind: 'APIResourceList', resources}
  }

  private denied(user: string, verb: string, resource: string, namespace: string | undefined): boolean {
    if (user === 'admin' && this.options.forbidden.length === 0) return false
    return this.options.forbidden.some((f) => f.resource === resource && (f.verbs.length === 0 || f.verbs.includes(verb) || f.verbs.includes('*')) && (f.namespace === undefined || f.namespace === namespace))
  }

  private authorize(user: string, verb: string, type: Pick<ResourceType, 'group' | 'plural'>, namespace: string | undefined, name: string | undefined, subresource?: string): void {
    const resource = subresource ? `${type.plural}/${subresource}` : type.plural
    if (!this.denied(user, verb, resource, namespace)) return
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'
    throw new HttpError(403, `${type.plural}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${type.group}"${where}`, {kind: type.plural, ...(name ? {name} : {})})
  }

  private accessReview(body: Buffer, user: string): Json {
    let review: Json
    try {
      review = isKubeProtobuf(body) ? {spec: {resourceAttributes: accessReviewAttributes(body)}} : (JSON.parse(body.toString('utf8')) as Json)
    } catch {
      throw new HttpError(400, 'the request body is not a SelfSubjectAccessReview')
    }
    const attrs = ((review.spec as Json | undefined)?.resourceAttributes ?? {}) as Json
    const resource = `${typeof attrs.resource === 'string' ? attrs.resource : ''}${typeof attrs.subresource === 'string' && attrs.subresource !== '' ? `/${attrs.subresource}` : ''}`
    const verb = typeof attrs.verb === 'string' ? attrs.verb : ''
    const namespace = typeof attrs.namespace === 'string' && attrs.namespace !== '' ? attrs.namespace : undefined
    const allowed = !this.denied(user, verb, resource, namespace)
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {creationTimestamp: null},
      spec: review.spec ?? {},
      status: allowed ? {allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"'} : {allowed: false},
    }
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const reject = (code: number, message: string): void => {
      const text = JSON.stringify(statusBody(code, message))
      socket.end(`HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`)
    }
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    this.record(`UPGRADE ${url.pathname}${url.search}`)
    if (!this.user(req)) return reject(401, 'Unauthorized')
    const injected = this.injectedError(req, url.pathname)
    if (injected) return reject(injected.status, injected.message ?? 'Internal error occurred: simulated failure')
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname)
    if (!match) return reject(404, 'the server could not find the requested resource')
    const [, namespace, name] = match as unknown as [string, string, string]
    const pod = this.options.pods.get(`${namespace}/${name}`)
    if (!pod) return reject(404, `pods "${name}" not found`)
    if (!(pod.object.spec as Json).nodeName) return reject(400, `pod ${name} does not have a host assigned`)
    if (isSpdyPortForward(req)) return this.spdy.upgrade(req, socket, head, pod)
    const ports = url.searchParams.getAll('ports').flatMap((p) => p.split(',')).map(Number)
    if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) return reject(400, 'query parameter "port" is required')
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    if (!offered.includes(PORT_FORWARD_PROTOCOL)) return reject(400, `unable to upgrade: none of the requested protocols are supported (${PORT_FORWARD_PROTOCOL})`)
    this.wss.handleUpgrade(req, socket, head, (ws) => servePortForward(ws, pod, ports, this.options.servers))
  }

  /** Bound address of the server (after listen). */
  get port(): number {
    return (this.server.address() as AddressInfo).port
  }
}
