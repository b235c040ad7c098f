// `diagnose proxy-metrics`: the raw /metrics of each pod's proxy, fetched through a port-forward
// to the port named linkerd-admin (native sidecar or not), in Linkerd's output layout:
// "#\n# POD name (i of n)\n#\n" then the body, or "# ERROR: ..." for that pod.
import {TimeoutError} from '../errors.js'
import type {KubeClient, V1Pod} from '../kube/types.js'
import {adminPort} from '../mesh/admin-port.js'
import {proxyContainer} from '../ports/index.js'
import {mapLimit} from '../util/pool.js'
import {obfuscateMetrics} from './obfuscate.js'

export interface PodMetrics {
  pod: string
  namespace: string
  adminPort?: number
  metrics?: string
  error?: string
  /** The port-forward ran out of --request-timeout (a stall), rather than failing. */
  timedOut?: true
}

export interface ProxyMetricsReport {
  schemaVersion: number
  kind: 'ProxyMetrics'
  obfuscated: boolean
  pods: PodMetrics[]
}

export async function scrapeProxyMetrics(kube: KubeClient, pods: readonly V1Pod[], options: {obfuscate: boolean; timeoutMs: number; concurrency: number}): Promise<ProxyMetricsReport> {
  const results = await mapLimit(pods, options.concurrency, async (pod): Promise<PodMetrics> => {
    const name = pod.metadata?.name ?? ''
    const namespace = pod.metadata?.namespace ?? ''
    if (!proxyContainer(pod)) return {pod: name, namespace, error: `pod/${name} in ${namespace} has no linkerd-admin port: it is not meshed`}
    const port = adminPort(pod.spec)
    if (pod.status?.phase !== 'Running') return {pod: name, namespace, adminPort: port, error: `pod not running: ${name} (${pod.status?.phase ?? 'Unknown'})`}
    try {
      const res = await kube.proxyGet({name, namespace}, port, '/metrics', options.timeoutMs)
      if (res.status !== 200) return {pod: name, namespace, adminPort: port, error: `GET /metrics on port ${port} answered ${res.status}`}
      return {pod: name, namespace, adminPort: port, metrics: options.obfuscate ? obfuscateMetrics(res.body) : res.body}
    } catch (err) {
      const failed: PodMetrics = {pod: name, namespace, adminPort: port, error: (err as Error).message}
      return err instanceof TimeoutError ? {...failed, timedOut: true} : failed
    }
  })
  results.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : a.namespace < b.namespace ? -1 : 1))
  return {schemaVersion: 1, kind: 'ProxyMetrics', obfuscated: options.obfuscate, pods: results}
}

export function renderProxyMetrics(report: ProxyMetricsReport): string {
  const n = report.pods.length
  return report.pods
    .map((p, i) => {
      const header = `#\n# POD ${p.pod} (${i + 1} of ${n})\n#\n`
      if (p.error !== undefined) return `${header}# ERROR: ${p.error}\n`
      const body = p.metrics ?? ''
      return header + body + (body.endsWith('\n') || body === '' ? '' : '\n')
    })
    .join('')
}
