// Retries the way client-go does (k8s.io/client-go/rest request.go and with_retry.go), for every
// request meshport makes, all of which are idempotent (reads, and SelfSubjectAccessReview, which
// creates nothing):
// - an answer 429 or 5xx with an integer Retry-After is tried again after that many seconds;
//   without Retry-After it is final, as in client-go;
// - a connection reset or closed before any answer (client-go's IsConnectionReset/IsProbableEOF
//   for GETs) is tried again after one second; a body cut short after the headers is not;
// - at most 10 retries, and all attempts and waits inside ONE --request-timeout: client-go puts
//   its timeout around the whole loop. A wait that would end past the deadline is not slept:
//   the request ends there as a timeout naming what kept failing, which is where client-go's
//   "context deadline exceeded - error from a previous attempt" would end up too.
// When the deadline passes, a request that had its connection is a stall (TimeoutError, exit 4);
// one that never got a connection is an unreachable server (ClusterError, exit 3), as kubectl's
// "Unable to connect to the server" is.
// Each attempt runs in an AsyncLocalStorage scope, so client-node's request hooks (client.ts) find
// its abort signal and record what it answered without changing client-node's call signatures.
import {AsyncLocalStorage} from 'node:async_hooks'
import {subscribe} from 'node:diagnostics_channel'
import type {ClientRequest, IncomingMessage} from 'node:http'
import type {Socket} from 'node:net'
import {TLSSocket} from 'node:tls'

import {ClusterError, MeshError, TimeoutError} from '../errors.js'
import {formatDuration} from '../util/duration.js'
import {answerError, systemCode} from './errors.js'
import {KubeErrorCode, type RetryNotice} from './types.js'
import {sleep} from '../util/sleep.js'

/** client-go's default (rest.Request.maxRetries). */
export const MAX_RETRIES = 10
/** client-go's artificial Retry-After for a reset connection. */
export const RESET_WAIT_MS = 1000

/** What an attempt saw of the server's answer before it failed. */
export interface AnswerSeen {
  status: number
  /** Lower-case names, as client-node and node-fetch give them. */
  headers: Record<string, string>
  /** The start of the body, once it was read. */
  head?: string
}

interface Attempt {
  controller: AbortController
  /** The connection to the server was made (TLS handshake done): a deadline after it is a stall. */
  connected?: boolean
  answer?: AnswerSeen
  /** The connection closed before the whole answer arrived (node-fetch 2 would wait forever). */
  cut?: boolean
}

const current = new AsyncLocalStorage<Attempt>()

// Node announces every HTTP request it starts; in the request's async scope the attempt is known,
// so its socket can say when it connected, without reaching into node-fetch or client-node.
let watching = false
function watchConnections(): void {
  if (watching) return
  watching = true
  subscribe('http.client.request.start', (message) => {
    const attempt = current.getStore()
    if (!attempt) return
    const {request} = message as {request: ClientRequest}
    const done = (): void => {
      attempt.connected = true
    }
    // node-fetch 2 does not notice a body shorter than its content-length: the read would wait
    // for the deadline. The connection closing before the message is complete ends it now.
    request.once('response', (response: IncomingMessage) => {
      const socket = response.socket
      if (!socket) return
      const onClose = (): void => {
        if (response.complete) return
        attempt.cut = true
        attempt.controller.abort()
      }
      socket.once('close', onClose)
      // A keep-alive socket carries many answers (the API session's HTTP/1.1 fallback): each
      // listener goes with its answer, or they would pile up on the socket.
      response.once('end', () => socket.off('close', onClose))
    })
    // Announced once the agent handed the request a socket: a fresh one is still connecting (a
    // reused keep-alive one is not). Without one yet (a proxy dial under way), the next is fresh.
    const socket = request.socket
    if (socket && !socket.connecting) done()
    else if (socket) socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', done)
    else request.once('socket', (fresh: Socket) => (fresh instanceof TLSSocket ? fresh.once('secureConnect', done) : fresh.connecting ? fresh.once('connect', done) : done()))
  })
}

/** The signal of the attempt under way (its deadline is the request's); outside one, a fresh `timeoutMs`. */
export function attemptSignal(timeoutMs: number): AbortSignal {
  const attempt = current.getStore()
  if (attempt) return attempt.controller.signal
  const controller = new AbortController()
  setTimeout(() => controller.abort(), timeoutMs).unref()
  return controller.signal
}

/**
 * For requests sent without Node's http client (the HTTP/2 API session, which the connection
 * watch above does not see): the attempt under way has its connection, so a deadline after this
 * is a stall (exit 4), not an unreachable server.
 */
export function attemptConnected(): void {
  const attempt = current.getStore()
  if (attempt) attempt.connected = true
}

/** Likewise: the headers of an answer arrived, so a failure after them is not retried (as recordAnswer says for client-node). */
export function attemptAnswered(status: number, headers: Record<string, string>): void {
  const attempt = current.getStore()
  if (attempt) attempt.answer = {headers, status}
}

/** The shape of client-node's ResponseContext that recording needs. */
export interface ResponseLike {
  httpStatusCode: number
  headers: Record<string, string>
  body: {text(): Promise<string>; binary(): Promise<Buffer>}
}

/**
 * Records the answer of the attempt under way (status, headers, and the start of the body once
 * client-node reads it), so a failure after the headers is not retried and a body that is not
 * what was asked for is reported with its status and an excerpt. A success that is not JSON (a
 * proxy's HTML page, which client-node would hand on as a string) is refused here.
 */
export async function recordAnswer<R extends ResponseLike>(response: R): Promise<R> {
  const attempt = current.getStore()
  const answer: AnswerSeen = {headers: response.headers, status: response.httpStatusCode}
  if (attempt) attempt.answer = answer
  const body = response.body
  let text: Promise<string> | undefined
  response.body = {
    binary: () => body.binary(),
    text: () =>
      (text ??= body.text().then((t) => {
        answer.head = t.slice(0, 256)
        return t
      })),
  }
  if (response.httpStatusCode >= 200 && response.httpStatusCode < 300 && !isJson(response.headers['content-type'])) {
    await response.body.text()
    throw new Error(`not JSON: ${response.headers['content-type'] ?? 'no content type'}`)
  }
  return response
}

/** application/json and the +json types (application/merge-patch+json, ...), as client-node reads them. */
function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type)
}

const DROP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'])
const DROP_MESSAGE = /socket hang up|connection reset|before secure TLS connection was established|other side closed/i

/** A connection reset or closed before any answer: client-go's IsConnectionReset / IsProbableEOF. */
export function isConnectionDrop(err: unknown): boolean {
  const code = systemCode(err)
  if (code !== undefined && DROP_CODES.has(code)) return true
  return err instanceof Error && DROP_MESSAGE.test(err.message)
}

/** Retry-After as client-go reads it: whole seconds only (no HTTP dates). */
export function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after']?.trim()
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined
}

/** How long to wait before trying again, and why; undefined: the failure is final. */
function nextTry(err: unknown, answer: AnswerSeen | undefined): {waitMs: number; reason: string} | undefined {
  const status = (err as {code?: unknown} | null)?.code
  if (typeof status === 'number') {
    if (status !== 429 && status < 500) return undefined
    const headers = (err as {headers?: Record<string, string>}).headers ?? answer?.headers
    const waitMs = retryAfterMs(headers)
    return waitMs === undefined ? undefined : {reason: `HTTP ${status}${status === 429 ? ' Too Many Requests' : ''} with Retry-After: ${waitMs / 1000}`, waitMs}
  }
  if (answer === undefined && isConnectionDrop(err)) return {reason: `connection closed before an answer (${systemCode(err) ?? 'EOF'})`, waitMs: RESET_WAIT_MS}
  return undefined
}

/** The server answered (headers arrived) but the body could not be read or parsed: no HTTP error status to map. */
function unreadable(err: unknown, answer: AnswerSeen | undefined): boolean {
  return answer !== undefined && typeof (err as {code?: unknown} | null)?.code !== 'number'
}

/** The attempt got through to the server: it connected, or an answer (an HTTP status) came back. */
function reached(attempt: Attempt, err: unknown): boolean {
  return attempt.connected === true || attempt.answer !== undefined || typeof (err as {code?: unknown} | null)?.code === 'number'
}

export interface RetrierOptions {
  onRetry?: ((notice: RetryNotice) => void) | undefined
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** `10s`, `1m30s`, or `2500ms` where whole seconds would round. */
export function durationText(ms: number): string {
  return ms % 1000 === 0 ? formatDuration(ms) : `${ms}ms`
}


/** An answer in the shape nextTry reads from client-node's errors (`code`, `headers`), while it is retried. */
class RetryableAnswer extends Error {
  readonly code: number
  readonly headers: Record<string, string>

  constructor(readonly answer: {status: number; headers: Record<string, string>}) {
    super(`HTTP ${answer.status}`)
    this.code = answer.status
    this.headers = answer.headers
  }
}

export class Retrier {
  private readonly sleep: (ms: number) => Promise<void>
  private readonly now: () => number

  constructor(
    /** The API server, for "cannot reach https://…". */
    protected readonly server: string,
    private readonly timeoutMs: number,
    private readonly options: RetrierOptions = {},
  ) {
    this.sleep = options.sleep ?? sleep
    this.now = options.now ?? Date.now
    watchConnections()
  }

  /**
   * Runs `attempt` until it succeeds, fails for good, or the request's time is up. Rejects with
   * the last attempt's own error (for toKubeError to map), a MeshError for an answer that could
   * not be read, or a TimeoutError when retries ran into the deadline.
   */
  async run<T>(action: string, attempt: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const deadline = this.now() + timeoutMs
    /** Why the last attempt was retried, while retrying. */
    let previous: string | undefined
    /** An earlier attempt got through: the server is reachable, whatever the last one met. */
    let reachedBefore = false
    for (let n = 1; ; n++) {
      const controller = new AbortController()
      // Not unref'd: while a request is under way this timer is what ends it, even if the HTTP
      // client is stuck without a socket event to wake it. It is cleared as the attempt ends.
      const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - this.now()))
      const state: Attempt = {controller}
      try {
        return await current.run(state, attempt)
      } catch (err) {
        if (err instanceof MeshError) throw err
        if (state.cut) throw answerError(action, state.answer ?? {headers: {}, status: 0}, err, true)
        const through: boolean = reachedBefore || reached(state, err)
        reachedBefore = through
        if (controller.signal.aborted) {
          // The deadline cut the attempt under way: after retries, what made them is the cause.
          if (previous !== undefined && through) throw this.outOfTime(action, timeoutMs, n, previous, err)
          throw through ? this.stalled(action, timeoutMs, err) : this.unreachable(action, timeoutMs, err)
        }
        const next = nextTry(err, state.answer)
        if (!next || n > MAX_RETRIES) throw unreadable(err, state.answer) ? answerError(action, state.answer as AnswerSeen, err) : err
        // No time left for the wait: a server that keeps answering "later" (or dropping requests it
        // received) has stalled us; connections that never got through are an unreachable server.
        if (this.now() + next.waitMs >= deadline) throw through ? this.outOfTime(action, timeoutMs, n, next.reason, err) : err
        this.options.onRetry?.({action, attempt: n, reason: next.reason, waitMs: next.waitMs})
        previous = next.reason
        await this.sleep(next.waitMs)
      } finally {
        clearTimeout(timer)
      }
    }
  }

  /**
   * run() for attempts that resolve with any HTTP status (the API session, Prometheus): an answer
   * client-go would try again (429, or 5xx with Retry-After) is tried again; out of retries, that
   * answer is the result, for the caller to read like any other.
   */
  async runAnswers<A extends {status: number; headers: Record<string, string>}>(action: string, attempt: () => Promise<A>, timeoutMs = this.timeoutMs): Promise<A> {
    try {
      return await this.run(
        action,
        async () => {
          const answer = await attempt()
          if ((answer.status === 429 || answer.status >= 500) && retryAfterMs(answer.headers) !== undefined) throw new RetryableAnswer(answer)
          return answer
        },
        timeoutMs,
      )
    } catch (err) {
      if (err instanceof RetryableAnswer) return err.answer as A
      throw err
    }
  }

  // The three ways a request runs out of time, as errors; a client of another server than the API
  // server (Prometheus) words them for its own.

  /** Connected (or answering), then nothing in time: a stall. */
  protected stalled(action: string, timeoutMs: number, cause: unknown): MeshError {
    return new TimeoutError(`${action}: no answer from ${this.server} within ${durationText(timeoutMs)}`, {
      cause,
      code: KubeErrorCode.timeout,
      hint: 'the API server accepted the request and did not answer: check its health, or raise --request-timeout',
    })
  }

  /** Not even a connection in time: the server is not reachable from here. */
  protected unreachable(action: string, timeoutMs: number, cause: unknown): MeshError {
    return new ClusterError(`cannot reach the Kubernetes API at ${this.server}: no connection within ${durationText(timeoutMs)} (${action})`, {
      cause,
      code: KubeErrorCode.unreachable,
      hint: 'check that the cluster is running and that --context/--kubeconfig point at it (VPN, firewall, proxy)',
    })
  }

  protected outOfTime(action: string, timeoutMs: number, attempts: number, reason: string, cause: unknown): MeshError {
    return new TimeoutError(`${action}: no usable answer within ${durationText(timeoutMs)} (${attempts} attempt${attempts === 1 ? '' : 's'}; ${reason})`, {
      cause,
      code: KubeErrorCode.timeout,
      hint: 'the API server is overloaded or the connection to it keeps dropping: try again, or raise --request-timeout',
    })
  }
}

// Port-forward dials. kubectl does not retry a port-forward at all; meshport retries a dial whose
// connection was reset or closed before any byte of the upgrade's answer came back: the server
// never saw it through, so trying again is safe. The first retry is immediate (a load balancer
// dropping one connection), later ones follow the GET rule (1s apart), all inside the dial's
// timeout, because a burst of dials behind a load balancer that drops every Nth connection can
// lose a retry too.
const droppedEarly = new WeakSet<object>()

/** Marks a dial failure as a connection lost before any byte of the answer. */
export function droppedBeforeAnswer<E extends Error>(err: E): E {
  droppedEarly.add(err)
  return err
}

export function isDroppedBeforeAnswer(err: unknown): boolean {
  for (let cur = err, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    if (droppedEarly.has(cur)) return true
    cur = (cur as {cause?: unknown}).cause
  }
  return false
}

/** Runs `dial(remainingMs)` again while it fails with a connection dropped before any answer. */
export async function retryDial<T>(action: string, timeoutMs: number, dial: (remainingMs: number) => Promise<T>, onRetry?: (notice: RetryNotice) => void): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (let n = 1; ; n++) {
    try {
      return await dial(Math.max(1, deadline - Date.now()))
    } catch (err) {
      const waitMs = n === 1 ? 0 : RESET_WAIT_MS
      if (!isDroppedBeforeAnswer(err) || n > MAX_RETRIES || Date.now() + waitMs >= deadline) throw err
      onRetry?.({action, attempt: n, reason: `connection closed before an answer (${systemCode(err) ?? 'EOF'})`, waitMs})
      if (waitMs > 0) await sleep(waitMs)
    }
  }
}
