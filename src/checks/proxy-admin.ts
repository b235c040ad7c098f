// Probes a proxy's admin server through ONE port-forward per pod: `/live`, `/ready` and, when a
// check needs it, `/metrics`, over a single keep-alive connection. The admin port is the container
// port named `linkerd-admin` (4191 when absent). Results are memoised per snapshot, and every
// forward goes through the run's limiter, so the checks that read them share one fan-out.
import {Agent, request} from 'node:http'

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
  live?: HttpAnswer | {error: string}
  ready?: HttpAnswer | {error: string}
  metrics?: HttpAnswer | {error: string}
}

function get(agent: Agent, localPort: number, path: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({agent, host: '127.0.0.1', port: localPort, path, method: 'GET', timeout: timeoutMs}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)))
    req.on('error', reject)
    req.end()
  })
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

async function probe(ctx: CheckContext, pod: V1Pod, withMetrics: boolean): Promise<AdminProbe> {
  const port = adminPort(pod.spec)
  const ref = {name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? ''}
  const timeoutMs = ctx.settings.requestTimeoutMs
  if (ctx.signal.aborted) return {port, error: 'not probed: the run is over'}
  try {
    return await ctx.kube.withPortForward(ref, port, async (localPort) => {
      const agent = new Agent({keepAlive: true, maxSockets: 1})
      try {
        const result: AdminProbe = {port}
        const paths: Array<'live' | 'ready' | 'metrics'> = withMetrics ? ['live', 'ready', 'metrics'] : ['live', 'ready']
        for (const path of paths) {
          try {
            result[path] = await get(agent, localPort, `/${path}`, timeoutMs)
          } catch (error) {
            result[path] = {error: message(error)}
          }
        }
        return result
      } finally {
        agent.destroy()
      }
    })
  } catch (error) {
    // The problem line already names the pod and the port; keep only the cause.
    return {port, error: message(error).replace(/^port-forward to pod\/\S+ in \S+ port \d+ failed: /, '')}
  }
}

/** The admin probe of one pod, shared by every check of the snapshot. */
export function adminProbe(ctx: CheckContext, pod: V1Pod): Promise<AdminProbe> {
  const withMetrics = ctx.settings.mode === 'proxy'
  return ctx.snapshot.shared(`admin/${podKey(pod)}`, () => ctx.limiter.run(() => probe(ctx, pod, withMetrics)))
}

/** Why an admin endpoint did not answer 200, or undefined when it did. */
export function endpointProblem(result: AdminProbe, path: 'live' | 'ready'): string | undefined {
  if (result.error) return `admin port ${result.port} unreachable: ${result.error}`
  const answer = result[path]
  if (!answer) return `/${path} was not probed`
  if ('error' in answer) return `GET /${path} on admin port ${result.port} failed: ${answer.error}`
  if (answer.status !== 200) return `GET /${path} on admin port ${result.port} answered ${answer.status}${answer.body.trim() ? ` (${answer.body.trim().slice(0, 80)})` : ''}`
  return undefined
}
