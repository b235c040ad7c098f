// Probes a proxy's admin server through ONE port-forward per pod: `/live`, `/ready` and, when a
// check needs it, `/metrics`, over a single keep-alive connection (KubeClient.proxyGetMany). The
// admin port is the container port named `linkerd-admin` (4191 when absent). Results are memoised
// per snapshot, and every forward goes through the run's limiter, so the checks that read them
// share one fan-out.
import {TimeoutError} from '../errors.js'
import {adminPort} from '../mesh/admin-port.js'
import type {V1Pod} from '../kube/types.js'
import type {CheckContext} from './context.js'
import {podKey} from './pods.js'

export interface HttpAnswer {
  status: number
  body: string
}

export interface AdminProbe {
  port: number
  /** Set when the forward could not be opened or the first request failed. */
  error?: string
  /** That failure was --request-timeout running out (a stall), not a refusal: the answer is unknown. */
  timedOut?: boolean
  live?: HttpAnswer | {error: string}
  ready?: HttpAnswer | {error: string}
  metrics?: HttpAnswer | {error: string}
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))
// The problem line already names the pod and the port; keep only the cause.
const cause = (error: unknown) => message(error).replace(/^port-forward to pod\/\S+ in \S+ port \d+(?: failed)?: /, '')

async function probe(ctx: CheckContext, pod: V1Pod, withMetrics: boolean): Promise<AdminProbe> {
  const port = adminPort(pod.spec)
  const ref = {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}
  if (ctx.signal.aborted) return {port, error: 'not probed: the run is over'}
  const paths: Array<'live' | 'ready' | 'metrics'> = withMetrics ? ['live', 'ready', 'metrics'] : ['live', 'ready']
  try {
    const answers = await ctx.kube.proxyGetMany(ref, port, paths.map((p) => `/${p}`), ctx.settings.requestTimeoutMs)
    // A first request that failed means the admin port itself did not answer.
    if (answers[0] instanceof Error) return unanswered(port, answers[0])
    const result: AdminProbe = {port}
    paths.forEach((path, i) => {
      const answer = answers[i]
      result[path] = answer === undefined ? {error: 'no answer'} : answer instanceof Error ? {error: cause(answer)} : {body: answer.body, status: answer.status}
    })
    return result
  } catch (error) {
    return unanswered(port, error)
  }
}

function unanswered(port: number, error: unknown): AdminProbe {
  return error instanceof TimeoutError ? {port, error: cause(error), timedOut: true} : {port, error: cause(error)}
}

/** The admin probe of one pod, shared by every check of the snapshot. */
export function adminProbe(ctx: CheckContext, pod: V1Pod): Promise<AdminProbe> {
  const withMetrics = ctx.settings.mode === 'proxy'
  return ctx.snapshot.shared(`admin/${podKey(pod)}`, () => ctx.limiter.run(() => probe(ctx, pod, withMetrics)))
}

/** Why an admin endpoint did not answer 200, or undefined when it did. */
export function endpointProblem(result: AdminProbe, path: 'live' | 'ready'): string | undefined {
  if (result.error) return `admin port ${result.port} ${result.timedOut ? 'did not answer' : 'unreachable'}: ${result.error}`
  const answer = result[path]
  if (!answer) return `/${path} was not probed`
  if ('error' in answer) return `GET /${path} on admin port ${result.port} failed: ${answer.error}`
  if (answer.status !== 200) return `GET /${path} on admin port ${result.port} answered ${answer.status}${answer.body.trim() ? ` (${answer.body.trim().slice(0, 80)})` : ''}`
  return undefined
}
