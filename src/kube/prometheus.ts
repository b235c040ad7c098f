// The Prometheus HTTP API client (instant queries, `/api/v1/query`), for `--prometheus URL|auto`.
// Prometheus is a network peer like the API server, so it lives in the kube layer with the same
// rules: a timeout on every request, proxies chosen by proxy-env.ts (HTTPS_PROXY, NO_PROXY),
// the system's trust store unless a CA is given, failures mapped once to MeshErrors with a hint,
// and credentials (header values, the URL's password) registered as secrets so that no error,
// --verbose line or bundle shows them. `auto` goes through the API server's services/proxy
// subresource (KubeClient.serviceProxyGet) instead, with the context's own credentials.
//
// Requests are GETs (the `get` verb on services/proxy is what RBAC grants viewers) unless the
// query is too long for a URL, then a form POST, which Prometheus, Thanos and Mimir all accept.
// Both are idempotent, so they are retried as client-go retries API requests (retry.ts): a
// connection dropped before an answer, a 429 or 5xx with Retry-After, all inside one
// --request-timeout; a stall is PROM_TIMEOUT (exit 4), no connection at all PROM_UNREACHABLE (3).
import {readFileSync} from 'node:fs'
import type {Agent} from 'node:http'
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {createSecureContext} from 'node:tls'

import {ClusterError, InputError, MeshError, TimeoutError, UsageError} from '../errors.js'
import {PROXY_ERROR_CODE} from './dial.js'
import {excerpt} from './errors.js'
import {proxyFor, proxyLabel} from './proxy-env.js'
import {redactError, registerSecret} from './redact.js'
import {attemptAnswered, attemptSignal, durationText, Retrier} from './retry.js'
import {proxiedAgent} from './transport.js'
import {systemTrustContext} from './trust.js'
import {KubeErrorCode, PrometheusErrorCode, type HttpResult, type KubeClient, type PrometheusClient, type PrometheusEndpoint, type PromSample, type RetryNotice} from './types.js'

/** Longest query string sent as a GET; longer ones are POSTed. */
const MAX_GET_QUERY = 4000
const MAX_BODY_BYTES = 256 * 1024 * 1024

export interface PrometheusOptions {
  timeoutMs: number
  /** For `kind: 'service'`: the client whose API session carries the requests. */
  kube?: KubeClient
  env?: NodeJS.ProcessEnv
  /** Told each query and how long it took (for --verbose); never given credentials. */
  onQuery?: (promql: string, ms: number, samples: number) => void
  /** Told before each retry (for --verbose), as the cluster client's onRetry. */
  onRetry?: ((notice: RetryNotice) => void) | undefined
}

/** client-go's retry policy (retry.ts), with Prometheus' words and codes for running out of time. */
class PrometheusRetrier extends Retrier {
  protected override stalled(_action: string, timeoutMs: number, cause: unknown): MeshError {
    return new TimeoutError(`no answer from Prometheus at ${this.server} within ${durationText(timeoutMs)}`, {cause, code: PrometheusErrorCode.timeout, hint: 'raise --request-timeout, or ask for a shorter window (-t)'})
  }

  protected override unreachable(_action: string, timeoutMs: number, cause: unknown): MeshError {
    return new ClusterError(`cannot reach Prometheus at ${this.server}: no connection within ${durationText(timeoutMs)}`, {cause, code: PrometheusErrorCode.unreachable, hint: 'check the --prometheus URL (or MESHPORT_PROMETHEUS_URL) and that Prometheus is running'})
  }

  protected override outOfTime(_action: string, timeoutMs: number, attempts: number, reason: string, cause: unknown): MeshError {
    return new TimeoutError(`no usable answer from Prometheus at ${this.server} within ${durationText(timeoutMs)} (${attempts} attempt${attempts === 1 ? '' : 's'}; ${reason})`, {
      cause,
      code: PrometheusErrorCode.timeout,
      hint: 'Prometheus is overloaded or the connection to it keeps dropping: try again, or raise --request-timeout',
    })
  }
}


/** A URL fit for messages: no user, password, query or fragment. */
export function prometheusLabel(endpoint: PrometheusEndpoint): string {
  if (endpoint.kind === 'service') return `service ${endpoint.namespace}/${endpoint.name}:${endpoint.port}`
  try {
    const url = new URL(endpoint.url)
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
  } catch {
    return '(invalid URL)'
  }
}

type Send = (path: string, init: {method: 'GET' | 'POST'; body?: string; headers: Record<string, string>}) => Promise<HttpResult>

export function createPrometheusClient(endpoint: PrometheusEndpoint, options: PrometheusOptions): PrometheusClient {
  for (const value of Object.values(endpoint.headers)) registerSecret(value)
  const label = prometheusLabel(endpoint)
  let send: Send
  let close = (): void => {}
  if (endpoint.kind === 'service') {
    const kube = options.kube
    if (!kube) throw new Error('a Prometheus behind a Service needs the cluster client')
    const ref = {name: endpoint.name, namespace: endpoint.namespace}
    send = async (path, init) => {
      try {
        return await kube.serviceProxyGet(ref, {headers: init.headers, path, port: endpoint.port, timeoutMs: options.timeoutMs})
      } catch (err) {
        throw serviceError(err, endpoint)
      }
    }
  } else {
    const http = urlSender(endpoint, options)
    send = http.send
    close = http.close
  }

  return {
    close: async () => close(),
    label,
    async query(promql, time) {
      const started = performance.now()
      const params = new URLSearchParams({query: promql})
      if (time !== undefined) params.set('time', time.toFixed(3))
      // Prometheus stops evaluating when we would stop waiting.
      params.set('timeout', `${Math.max(1, Math.floor(options.timeoutMs / 1000))}s`)
      const form = params.toString()
      const post = form.length > MAX_GET_QUERY && endpoint.kind === 'url'
      const headers = {...endpoint.headers, accept: 'application/json'}
      let answer: HttpResult
      try {
        answer = await send(post ? '/api/v1/query' : `/api/v1/query?${form}`, post ? {body: form, headers: {...headers, 'content-type': 'application/x-www-form-urlencoded'}, method: 'POST'} : {headers, method: 'GET'})
      } catch (err) {
        throw redactError(err)
      }
      const samples = redactError(parseAnswer(answer, label, promql))
      if (samples instanceof Error) throw samples
      options.onQuery?.(promql, performance.now() - started, samples.length)
      return samples
    },
  }
}

/** The agent and request function of a URL endpoint: TLS, proxy, basic auth from the userinfo. */
function urlSender(endpoint: Extract<PrometheusEndpoint, {kind: 'url'}>, options: PrometheusOptions): {send: Send; close: () => void} {
  let base: URL
  try {
    base = new URL(endpoint.url)
  } catch {
    throw new UsageError('--prometheus is neither a URL nor auto or none', {hint: 'e.g. --prometheus http://prometheus.monitoring:9090, or --prometheus auto'})
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UsageError(`--prometheus must be an http or https URL (got ${base.protocol})`, {hint: 'e.g. --prometheus https://prometheus.example.com'})
  }
  const authorization = base.username || base.password ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}` : undefined
  if (base.password) registerSecret(decodeURIComponent(base.password))
  if (authorization) registerSecret(authorization.slice('Basic '.length))
  const proxy = proxyFor(base, undefined, options.env ?? process.env)
  let agent: Agent
  if (base.protocol === 'https:') {
    let ca: string | undefined
    if (endpoint.caFile !== undefined) {
      try {
        ca = readFileSync(endpoint.caFile, 'utf8')
      } catch (err) {
        throw new InputError({source: endpoint.caFile}, `cannot read the --prometheus-ca file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      }
    }
    let secureContext
    try {
      secureContext = ca !== undefined ? createSecureContext({ca}) : systemTrustContext({})
    } catch (err) {
      throw new InputError({source: endpoint.caFile ?? 'the system trust store'}, `not a PEM certificate bundle (${(err as Error).message.split('\n', 1)[0] ?? ''})`)
    }
    agent = proxiedAgent({rejectUnauthorized: endpoint.insecureSkipTlsVerify !== true, secureContext}, proxy, options.timeoutMs, true)
  } else {
    agent = proxiedAgent(undefined, proxy, options.timeoutMs, true)
  }
  const prefix = base.pathname.replace(/\/+$/, '')
  const target = {host: base.hostname.replace(/^\[|\]$/g, ''), port: base.port}
  const label = prometheusLabel(endpoint)
  const retrier = new PrometheusRetrier(label, options.timeoutMs, {onRetry: options.onRetry})
  /** One attempt: any status resolves. */
  const attempt = (path: string, init: Parameters<Send>[1]): Promise<HttpResult> =>
    new Promise<HttpResult>((resolve, reject) => {
      const headers: Record<string, string> = {...init.headers}
      if (authorization && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = authorization
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))
      const request = base.protocol === 'https:' ? httpsRequest : httpRequest
      const signal = attemptSignal(options.timeoutMs)
      const req = request({agent, headers, host: target.host, method: init.method, path: prefix + path, port: target.port || undefined, signal}, (res) => {
        const flat: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
        const status = res.statusCode ?? 0
        attemptAnswered(status, flat)
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_BODY_BYTES) req.destroy(new MeshError(`Prometheus at ${label} sent an answer larger than ${MAX_BODY_BYTES} bytes`, {code: PrometheusErrorCode.badAnswer}))
          else chunks.push(chunk)
        })
        res.on('end', () => resolve({body: Buffer.concat(chunks, size).toString('utf8'), headers: flat, status}))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(init.body)
    })
  const send: Send = async (path, init) => {
    try {
      return await retrier.runAnswers('Prometheus query', () => attempt(path, init))
    } catch (err) {
      // The retrier's word for an answer whose body broke off (retry.ts answerError), said of Prometheus.
      if (err instanceof MeshError && err.code === KubeErrorCode.apiError) {
        throw new MeshError(`Prometheus at ${label}: ${err.message.replace(/^Prometheus query: /, '')}`, {cause: err, code: PrometheusErrorCode.badAnswer, hint: 'try again; if it keeps happening, a proxy or load balancer in front of Prometheus is closing connections'})
      }
      throw urlError(err as Error, label, options.timeoutMs, proxy)
    }
  }
  return {close: () => agent.destroy(), send}
}

function timeoutError(label: string, timeoutMs: number): TimeoutError {
  return new TimeoutError(`no answer from Prometheus at ${label} within ${durationText(timeoutMs)}`, {code: PrometheusErrorCode.timeout, hint: 'raise --request-timeout, or ask for a shorter window (-t)'})
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])

/** A connection failure to a URL endpoint as a MeshError. */
function urlError(err: Error & {code?: unknown}, label: string, timeoutMs: number, proxy: URL | undefined): MeshError {
  if (err instanceof MeshError) return err
  const code = typeof err.code === 'string' ? err.code : undefined
  if (code === PROXY_ERROR_CODE) {
    return new ClusterError(`cannot reach Prometheus at ${label}: ${err.message}`, {code: PrometheusErrorCode.unreachable, hint: 'check the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)'})
  }
  if (code === 'ETIMEDOUT') return timeoutError(label, timeoutMs)
  if (code && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code))) {
    return new ClusterError(`TLS handshake with Prometheus at ${label} failed (${code})`, {code: PrometheusErrorCode.tls, hint: 'give the CA that signed its certificate with --prometheus-ca FILE (or --prometheus-insecure-skip-tls-verify)'})
  }
  const via = proxy ? ` through the proxy ${proxyLabel(proxy)}` : ''
  return new ClusterError(`cannot reach Prometheus at ${label}${via} (${code && UNREACHABLE.has(code) ? code : err.message})`, {
    code: PrometheusErrorCode.unreachable,
    hint: 'check the --prometheus URL (or MESHPORT_PROMETHEUS_URL) and that Prometheus is running',
  })
}

/** A failure of the API server to pass a query on to viz's Prometheus. */
function serviceError(err: unknown, endpoint: Extract<PrometheusEndpoint, {kind: 'service'}>): unknown {
  if (!(err instanceof MeshError)) return err
  const where = `Linkerd viz's Prometheus (service ${endpoint.name}:${endpoint.port} in ${endpoint.namespace})`
  const status = (err as {status?: number}).status
  if (err.code === KubeErrorCode.forbidden) {
    return new ClusterError(`cannot query ${where}: ${err.message}`, {code: PrometheusErrorCode.forbidden, hint: `use a user that may get services/proxy in ${endpoint.namespace}, or give --prometheus URL`})
  }
  if (status === 404) {
    return new ClusterError(`${where} does not exist: ${err.message}`, {code: PrometheusErrorCode.notFound, hint: 'is Linkerd viz installed? --viz-namespace names its namespace; --prometheus URL names another Prometheus'})
  }
  if (status === 503 || status === 502) {
    return new ClusterError(`${where} cannot be reached: ${err.message}`, {code: PrometheusErrorCode.unreachable, hint: `check its pod: kubectl -n ${endpoint.namespace} get pods -l component=prometheus`})
  }
  return err
}

interface ApiBody {
  status?: unknown
  errorType?: unknown
  error?: unknown
  data?: {resultType?: unknown; result?: unknown}
  warnings?: unknown
}

/** The samples of an answer, or the MeshError it amounts to. */
function parseAnswer(answer: HttpResult, label: string, promql: string): PromSample[] | MeshError {
  let body: ApiBody | undefined
  try {
    body = JSON.parse(answer.body) as ApiBody
  } catch {
    body = undefined
  }
  const brief = (text: string): string => oneLine(text).slice(0, 200)
  if (answer.status === 401) {
    return new ClusterError(`Prometheus at ${label} wants credentials (HTTP 401)`, {code: PrometheusErrorCode.unauthorized, hint: "give them with --prometheus-header 'Authorization: Bearer TOKEN' or as user:password@ in the URL"})
  }
  if (answer.status === 403) {
    const detail = typeof body?.error === 'string' ? `: ${brief(body.error)}` : ''
    return new ClusterError(`Prometheus at ${label} refused the query (HTTP 403)${detail}`, {code: PrometheusErrorCode.forbidden, hint: "check the credentials' permissions (and, on Mimir or Cortex, the tenant: --prometheus-header 'X-Scope-OrgID: TENANT')"})
  }
  if (answer.status < 200 || answer.status > 299 || body?.status !== 'success') {
    if (body && typeof body.error === 'string') {
      const type = typeof body.errorType === 'string' ? body.errorType : 'error'
      const message = `Prometheus at ${label} failed the query (HTTP ${answer.status}, ${type}): ${brief(body.error)}`
      if (type === 'timeout' || type === 'canceled') return new TimeoutError(message, {code: PrometheusErrorCode.timeout, hint: 'raise --request-timeout, or ask for a shorter window (-t)'})
      return new MeshError(message, {code: PrometheusErrorCode.query, hint: `the query was: ${promql.length > 300 ? `${promql.slice(0, 297)}...` : promql}`})
    }
    // At most a short excerpt of someone else's page; control characters are shown escaped on a terminal (src/output/terminal.ts).
    const type = answer.headers['content-type']?.split(';', 1)[0]?.trim()
    const text = answer.body.trim() === '' ? '(empty body)' : `(${type ? `${type}: ` : ''}${excerpt(answer.body)})`
    return new MeshError(`Prometheus at ${label} answered HTTP ${answer.status}, not the Prometheus API ${text}`, {code: answer.status >= 200 && answer.status < 300 ? PrometheusErrorCode.badAnswer : PrometheusErrorCode.query, hint: 'is the URL the Prometheus API root (the address whose /api/v1/query answers)?'})
  }
  const data = body.data
  if (data?.resultType === 'scalar') {
    const [time, value] = data.result as [number, string]
    return [{labels: {}, time: Number(time), value: Number(value)}]
  }
  if (data?.resultType !== 'vector' || !Array.isArray(data.result)) {
    return new MeshError(`Prometheus at ${label} answered a ${String(data?.resultType)} where an instant vector was expected`, {code: PrometheusErrorCode.badAnswer})
  }
  return (data.result as Array<{metric?: Record<string, string>; value?: [number, string]}>).map((r) => ({
    labels: r.metric ?? {},
    time: Number(r.value?.[0]),
    value: Number(r.value?.[1]),
  }))
}

/** Control bytes and line breaks out: a server's text must not drive the terminal. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()
}
