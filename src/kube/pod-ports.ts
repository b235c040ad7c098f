// GETs to a port of a pod (a proxy's admin endpoints: /metrics, /ready, /live) by one of two
// paths, per KubeOptions.scrapeVia:
// - `pods/NAME:PORT/proxy/PATH` on the context's API session (api-session.ts): every pod a stream
//   of one HTTP/2 connection, no handshake per pod;
// - a port-forward (port-forward.ts): one WebSocket tunnel per pod, the kubelet dialling the port
//   from inside the pod's network namespace.
// `auto` takes the first and falls back per pod to the second where it cannot work: RBAC forbids
// `pods/proxy` (remembered for the namespace), the API server cannot reach the pod (a network
// policy, or Linkerd policy denying the API server's connection to the admin port while the
// port-forward's loopback connection is always allowed: the proxy answers 403 itself), and
// remembers the pod so that its next scrape goes straight to the port-forward.
// Every request on the API session runs under the client's retrier (retry.ts), as the API calls
// do: a connection dropped before an answer, or a 429/5xx with Retry-After, is tried again inside
// the request's time, and a stall ends as a TimeoutError (exit 4).
import {TimeoutError} from '../errors.js'
import type {ApiAnswer, ApiSession} from './api-session.js'
import {PodProxyError, apiServerStatus, toKubeError, unauthorizedError, type StatusBody} from './errors.js'
import type {PortForwarder} from './port-forward.js'
import type {Retrier} from './retry.js'
import type {ClusterTransport} from './transport.js'
import {KubeErrorCode, type HttpResult, type ObjectRef, type ScrapeVia, type ServiceProxyRequest} from './types.js'

/** Why the proxy path did not give the pod's own answer. */
type Refusal = {kind: 'forbidden' | 'unreachable' | 'other'; status: StatusBody; httpStatus: number} | {kind: 'denied-by-pod'; answer: HttpResult}

const MAX_BODY_BYTES = 64 * 1024 * 1024

export class PodPorts {
  /** Pods whose proxy path failed once: their later GETs go straight to a port-forward. */
  private readonly forwardPods = new Set<string>()
  /** Namespaces where RBAC forbids pods/proxy. */
  private readonly forwardNamespaces = new Set<string>()

  constructor(
    private readonly transport: ClusterTransport,
    private readonly session: ApiSession,
    private readonly forwarder: PortForwarder,
    private readonly via: ScrapeVia,
    private readonly retrier: Retrier,
  ) {}

  async get(pod: ObjectRef, port: number, path: string, timeoutMs: number): Promise<HttpResult> {
    const [answer] = await this.getMany(pod, port, [path], timeoutMs)
    if (answer === undefined) throw new PodProxyError(pod, port, 'no answer')
    if (answer instanceof Error) throw answer
    return answer
  }

  async getMany(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs: number): Promise<Array<HttpResult | Error>> {
    if (!this.useProxy(pod)) return this.forward(pod, port, paths, timeoutMs)
    // The first path decides the route: a pod the API server cannot reach fails the same way for all.
    // All paths together take at most `timeoutMs`, as over one port-forward.
    const [first, ...rest] = paths
    if (first === undefined) return []
    const deadline = Date.now() + timeoutMs
    const head = await this.proxied(pod, port, first, timeoutMs)
    const left = (): number => Math.max(1, deadline - Date.now())
    if ('refusal' in head) {
      if (this.via === 'auto' && this.fallsBack(head.refusal)) {
        if (head.refusal.kind === 'forbidden') this.forwardNamespaces.add(pod.namespace)
        else this.forwardPods.add(`${pod.namespace}/${pod.name}`)
        // Another path: a refusal comes back fast, and the port-forward gets a whole timeout of its own.
        return this.forward(pod, port, paths, timeoutMs)
      }
      const error = refusalError(pod, port, head.refusal)
      if (error instanceof Error) throw error
      return [error, ...(await this.proxiedAll(pod, port, rest, left()))]
    }
    return [head.result, ...(await this.proxiedAll(pod, port, rest, left()))]
  }

  private useProxy(pod: ObjectRef): boolean {
    if (this.via === 'port-forward') return false
    if (this.via === 'proxy') return true
    return !this.forwardNamespaces.has(pod.namespace) && !this.forwardPods.has(`${pod.namespace}/${pod.name}`)
  }

  private fallsBack(refusal: Refusal): boolean {
    return refusal.kind === 'forbidden' || refusal.kind === 'unreachable' || refusal.kind === 'denied-by-pod'
  }

  private async forward(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs: number): Promise<Array<HttpResult | Error>> {
    const answers = await this.forwarder.getMany(pod, port, paths, timeoutMs)
    return answers.map((a) => (a instanceof Error ? a : {...a, via: 'port-forward' as const}))
  }

  private async proxiedAll(pod: ObjectRef, port: number, paths: readonly string[], timeoutMs: number): Promise<Array<HttpResult | Error>> {
    return Promise.all(
      paths.map(async (path) => {
        try {
          const answer = await this.proxied(pod, port, path, timeoutMs)
          return 'refusal' in answer ? refusalError(pod, port, answer.refusal) : answer.result
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err))
        }
      }),
    )
  }

  /** One GET through pods/proxy: the pod's answer, or why the API server did not give one. */
  private async proxied(pod: ObjectRef, port: number, path: string, timeoutMs: number): Promise<{result: HttpResult} | {refusal: Refusal}> {
    const apiPath = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}:${port}/proxy${path}`
    let answer: ApiAnswer
    try {
      answer = await this.authorized(`GET ${path} through pods/proxy to pod/${pod.name} in ${pod.namespace} port ${port}`, {path: apiPath, timeoutMs, maxBytes: MAX_BODY_BYTES})
    } catch (err) {
      // The API server took the request and nothing came back: it, or the pod behind it, stalled.
      if (err instanceof TimeoutError) throw new TimeoutError(err.message, {cause: err, code: KubeErrorCode.timeout, hint: 'the API server or the pod did not answer: check the pod and its node, raise --request-timeout, or try --scrape-via port-forward'})
      throw err
    }
    const status = apiServerStatus(answer)
    if (status && answer.status >= 400) {
      // 5xx: the API server could not dial the pod; 400: it has no address to dial (no IP yet).
      const kind = answer.status === 403 ? 'forbidden' : answer.status >= 500 || answer.status === 400 ? 'unreachable' : 'other'
      return {refusal: {httpStatus: answer.status, kind, status}}
    }
    const result: HttpResult = {body: answer.body.toString('utf8'), headers: answer.headers, status: answer.status, via: 'proxy'}
    // The proxy's own 403: its inbound policy does not authorize the API server on this port.
    if (answer.status === 403) return {refusal: {answer: result, kind: 'denied-by-pod'}}
    return {result}
  }

  /**
   * A request on the API session under the client's retrier, with the kube layer's failure mapping
   * and one retry after a 401 with renewable credentials.
   */
  async authorized(action: string, request: Parameters<ApiSession['request']>[0]): Promise<ApiAnswer> {
    const context = {action, server: this.transport.server, timeoutMs: request.timeoutMs}
    const send = (): Promise<ApiAnswer> => this.retrier.runAnswers(action, () => this.session.request(request), request.timeoutMs)
    let answer: ApiAnswer
    try {
      answer = await send()
      if (answer.status === 401 && (await this.transport.renew(answer.generation))) answer = await send()
    } catch (err) {
      throw toKubeError(err, context)
    }
    if (answer.status === 401) throw unauthorizedError(this.transport.server, answer.anonymous, apiServerStatus(answer)?.message)
    return answer
  }

  /** A GET through a Service's proxy subresource; the API server's own refusals reject. */
  async serviceGet(service: ObjectRef, request: ServiceProxyRequest, defaultTimeoutMs: number): Promise<HttpResult> {
    const timeoutMs = request.timeoutMs ?? defaultTimeoutMs
    const path = `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/${encodeURIComponent(service.name)}:${encodeURIComponent(String(request.port))}/proxy${request.path}`
    const action = `GET services/${service.name}:${request.port}/proxy in ${service.namespace}`
    const answer = await this.authorized(action, {headers: request.headers ?? {}, maxBytes: MAX_BODY_BYTES, path, timeoutMs})
    const status = apiServerStatus(answer)
    if (status && answer.status >= 400) throw toKubeError({body: answer.body.toString('utf8'), code: answer.status}, {action, server: this.transport.server, timeoutMs})
    return {body: answer.body.toString('utf8'), headers: answer.headers, status: answer.status, via: 'proxy'}
  }
}

/** What a refusal becomes when there is no fallback: an error (all paths fail) or the pod's answer. */
function refusalError(pod: ObjectRef, port: number, refusal: Refusal): HttpResult | Error {
  if (refusal.kind === 'denied-by-pod') return refusal.answer
  const detail = refusal.status.message ?? `HTTP ${refusal.httpStatus}`
  if (refusal.kind === 'forbidden') {
    return new PodProxyError(pod, port, `forbidden: ${detail}`, 'use a user that may get pods/proxy, or scrape through a port-forward (--scrape-via port-forward)')
  }
  if (refusal.kind === 'unreachable') {
    return new PodProxyError(pod, port, detail, 'the API server could not reach the pod; --scrape-via port-forward connects from inside the pod instead')
  }
  return new PodProxyError(pod, port, detail, 'check that the pod still exists and has an IP')
}
