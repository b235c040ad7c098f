// Maps whatever client-node, node:net or node:tls throw into the CLI's error family, once, so
// commands never print "HTTP-Code: 401 Message: Unknown API Status Code!" or a stack trace.
// No client-node import here: ApiException is recognised by shape (numeric `code`, `body`).
import {ClusterError, KubeApiError, MeshError, TimeoutError} from '../errors.js'
import {PROXY_ERROR_CODE} from './dial.js'
import {KubeErrorCode} from './types.js'

/** The kubelet refused a port-forward, e.g. nothing listens on that port of the pod. */
export class PortForwardError extends MeshError {
  readonly pod: string
  readonly port: number

  constructor(pod: {name: string; namespace: string}, port: number, detail: string) {
    super(`port-forward to pod/${pod.name} in ${pod.namespace} port ${port} failed: ${detail}`, {
      code: KubeErrorCode.portForward,
      hint: `check that the pod is running and that something listens on port ${port}`,
    })
    this.pod = `${pod.namespace}/${pod.name}`
    this.port = port
  }
}

/**
 * The API server could not (or would not) pass a GET on to a pod through `pods/NAME:PORT/proxy`:
 * it cannot reach the pod, RBAC forbids `pods/proxy`, or the pod is gone.
 */
export class PodProxyError extends MeshError {
  readonly pod: string
  readonly port: number

  constructor(pod: {name: string; namespace: string}, port: number, detail: string, hint?: string) {
    super(`pods/proxy to pod/${pod.name} in ${pod.namespace} port ${port} failed: ${detail}`, {
      code: KubeErrorCode.podProxy,
      hint: hint ?? 'scrape through a port-forward instead (--scrape-via port-forward)',
    })
    this.pod = `${pod.namespace}/${pod.name}`
    this.port = port
  }
}

/** A Kubernetes `Status` body as far as messages need it. */
export interface StatusBody {
  code?: number
  message?: string
  reason?: string
}

/** The Status of an answer the API server wrote itself (as opposed to one it proxied), else undefined. */
export function apiServerStatus(answer: {headers: Record<string, string>; body: Buffer | string}): StatusBody | undefined {
  if (!/json/i.test(answer.headers['content-type'] ?? '')) return undefined
  const text = typeof answer.body === 'string' ? answer.body : answer.body.toString('utf8')
  if (!text.includes('"Status"')) return undefined
  try {
    const value = JSON.parse(text) as {kind?: unknown}
    return value?.kind === 'Status' ? parseStatusBody(value) : undefined
  } catch {
    return undefined
  }
}

export function parseStatusBody(body: unknown): StatusBody | undefined {
  let value = body
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return undefined
    }
  }
  if (value === null || typeof value !== 'object') return undefined
  const status = value as Record<string, unknown>
  const out: StatusBody = {}
  if (typeof status.code === 'number') out.code = status.code
  if (typeof status.message === 'string') out.message = status.message
  if (typeof status.reason === 'string') out.reason = status.reason
  return out
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

/** The innermost `code` string of an error chain (node-fetch wraps system errors). */
export function systemCode(err: unknown): string | undefined {
  for (let cur = err, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const rec = cur as {code?: unknown; errno?: unknown; cause?: unknown}
    if (typeof rec.code === 'string' && rec.code !== '') return rec.code
    if (typeof rec.errno === 'string' && rec.errno !== '') return rec.errno
    cur = rec.cause
  }
  return undefined
}

function isAbort(err: unknown): boolean {
  for (let cur = err, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const rec = cur as {name?: unknown; type?: unknown; cause?: unknown}
    if (rec.name === 'AbortError' || rec.name === 'TimeoutError' || rec.type === 'aborted') return true
    cur = rec.cause
  }
  return false
}

export interface MapContext {
  /** What was being done, e.g. `list pods in emojivoto`. */
  action: string
  /** The API server, for "cannot reach https://…". */
  server: string
  timeoutMs: number
  /** The request carried no credentials (a context without a user, or a plain-http server). */
  anonymous?: boolean
}

/** A 401: rejected credentials, or none where the server wants some. */
export function unauthorizedError(server: string, anonymous: boolean, detail: string | undefined, cause?: unknown): ClusterError {
  const why = detail ? ` (${detail})` : ''
  return anonymous
    ? new ClusterError(`unauthorized: the API server at ${server} wants credentials, and this context sends none${why}`, {
        cause,
        code: KubeErrorCode.unauthorized,
        hint: 'give the context a user with a token, client certificate or exec plugin (kubectl config set-context --current --user=…)',
      })
    : new ClusterError(`unauthorized: the API server at ${server} rejected the credentials${why}`, {
        cause,
        code: KubeErrorCode.unauthorized,
        hint: 'refresh the credentials of this kubeconfig context (token, client certificate or exec plugin login)',
      })
}

/** Turns any failure of an API call into a MeshError with a one-line cause and a hint. */
export function toKubeError(err: unknown, ctx: MapContext): MeshError {
  if (err instanceof MeshError) return err
  const apiCode = (err as {code?: unknown} | null)?.code
  if (typeof apiCode === 'number' && apiCode > 0) return fromStatus(apiCode, (err as {body?: unknown}).body, ctx, err)

  if (isAbort(err)) {
    return new TimeoutError(`${ctx.action}: no answer from ${ctx.server} within ${ctx.timeoutMs}ms`, {
      cause: err,
      code: KubeErrorCode.timeout,
      hint: 'raise --request-timeout, or check that the API server is reachable',
    })
  }
  const code = systemCode(err)
  if (code === PROXY_ERROR_CODE) {
    // node-fetch keeps only the code of a connection error; its message ends with ours.
    const message = err instanceof Error ? err.message : String(err)
    return new ClusterError(`${ctx.action}: ${message.slice(Math.max(0, message.indexOf('cannot reach ')))}`, {
      code: KubeErrorCode.proxy,
      hint: 'check the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, or the cluster\'s proxy-url in the kubeconfig)',
    })
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return new TimeoutError(`${ctx.action}: connection to ${ctx.server} timed out`, {
      cause: err,
      code: KubeErrorCode.timeout,
      hint: 'raise --request-timeout, or check that the API server is reachable',
    })
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new ClusterError(`cannot reach the Kubernetes API at ${ctx.server} (${code})`, {
      cause: err,
      code: KubeErrorCode.unreachable,
      hint: 'check that the cluster is running and that --context/--kubeconfig point at it',
    })
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new ClusterError(`TLS handshake with ${ctx.server} failed (${code})`, {
      cause: err,
      code: KubeErrorCode.tls,
      hint: "check the cluster's certificate-authority data in the kubeconfig",
    })
  }
  const message = err instanceof Error ? err.message : String(err)
  return new ClusterError(`${ctx.action}: ${firstLine(message)}`, {
    cause: err,
    code: KubeErrorCode.unreachable,
    hint: 'check the kubeconfig and that the API server is reachable',
  })
}

/**
 * The start of a body that is not what was asked for, as one quoted line of at most `max`
 * characters. Control characters stay as they are: the terminal writer shows them escaped, and
 * JSON escapes them.
 */
export function excerpt(body: string, max = 60): string {
  const line = body.trim().replace(/\r?\n/g, '\\n')
  return `"${line.slice(0, max)}${line.length > max ? '...' : ''}"`
}

/** What a body without a Status object says about itself: its content type, and how it starts. */
function describeBody(body: unknown, headers: Record<string, string> | undefined): string {
  const type = headers?.['content-type']?.split(';', 1)[0]?.trim()
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : ''
  // No body, nothing to describe (a 401 from client-node carries none).
  if (text.trim() === '') return ''
  return ` (${type ? `${type}: ` : ''}${excerpt(text)})`
}

/**
 * The server answered, but its body could not be read or is not JSON (a proxy's HTML page, a body
 * cut short): the request, the HTTP status and a short excerpt, never the whole body.
 */
export function answerError(action: string, answer: {status: number; headers: Record<string, string>; head?: string}, cause: unknown, cut = false): MeshError {
  const hint = 'something between meshport and the API server (a proxy or load balancer) may be answering in its place: check the context\'s server URL and any proxy'
  if (cut || answer.head === undefined) {
    const why = cut ? 'the connection closed before the whole body arrived' : (systemCode(cause) ?? (cause instanceof Error ? firstLine(cause.message) : String(cause)))
    return new KubeApiError(`${action}: the answer (HTTP ${answer.status}) was cut short (${why})`, answer.status, {
      cause,
      code: KubeErrorCode.apiError,
      hint: 'try again; if it keeps happening, a proxy or load balancer between meshport and the API server is closing connections',
    })
  }
  return new KubeApiError(`${action}: the API server answered HTTP ${answer.status} with a body that is not a valid JSON object${describeBody(answer.head, answer.headers)}`, answer.status, {cause, code: KubeErrorCode.apiError, hint})
}

function fromStatus(status: number, body: unknown, ctx: MapContext, cause: unknown): MeshError {
  const parsed = parseStatusBody(body)
  const detail = parsed?.message ? firstLine(parsed.message) : `HTTP ${status}${describeBody(body, (cause as {headers?: Record<string, string>}).headers)}`
  if (status === 401) return unauthorizedError(ctx.server, ctx.anonymous === true, detail, cause)
  if (status === 403) {
    return new ClusterError(`forbidden: ${ctx.action}: ${detail}`, {
      cause,
      code: KubeErrorCode.forbidden,
      hint: 'use a context whose user may read this (kubectl auth can-i …)',
    })
  }
  if (status === 504 || status === 408) {
    return new TimeoutError(`${ctx.action}: ${detail}`, {cause, code: KubeErrorCode.timeout, hint: 'raise --request-timeout'})
  }
  return new KubeApiError(`${ctx.action}: ${detail}`, status, {cause, code: KubeErrorCode.apiError})
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}

/** True for a 404 KubeApiError, which `get*` turn into `undefined`. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404
}
