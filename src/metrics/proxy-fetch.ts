// A proxy's /metrics body through the KubeClient (the pods' proxy subresource or a port-forward,
// as the client chooses), for the scrape schedulers in scrape.ts.
import type {KubeClient} from '../kube/types.js'
import type {FetchMetrics} from './scrape.js'

export function proxyMetricsFetcher(kube: KubeClient, timeoutMs: number): FetchMetrics {
  return async (target) => {
    const result = await kube.proxyGet(target.pod, target.port, '/metrics', timeoutMs)
    if (result.status !== 200) throw new Error(`/metrics on port ${target.port} answered HTTP ${result.status}`)
    return result.body
  }
}
