// `viz edges` from a Prometheus: the same connection gauges a scrape of each proxy gives, at one
// instant, grouped by the labels edges-plan.ts reads, so both sources make edges the same way.
// Linkerd viz (linkerd/linkerd2 viz/metrics-api/edges.go) asks for the client side only:
//
//   sum(tcp_open_connections{direction="outbound", <kind>!="", dst_<kind>!=""})
//     by (<kind>, dst_<kind>, pod, server_id, namespace, dst_namespace, no_tls_reason)
//
// meshport asks for the same outbound gauges per client pod (with dst_pod, so every owner kind
// works, and tls), and adds the server side, which names clients that cannot report (unmeshed):
//
//   sum(tcp_open_connections{direction="inbound", peer="src"})
//     by (namespace, pod, client_id, tls, no_tls_reason, target_port)
//
// With -n, the outbound gauges of pods elsewhere that point into the namespace too (its clients).
import {dstOwnerLabel, type ConnectionGauge, type EdgesPlan} from './edges-plan.js'
import {namespaceScope, podsPresent} from './prometheus-presence.js'
import type {PrometheusSource} from './prometheus-source.js'
import {by, eq, ne, selector, type Matcher} from './promql.js'
import {podKey} from './report.js'
import type {EdgesReading} from './source.js'

const GAUGE = 'tcp_open_connections'

export async function prometheusEdges(source: PrometheusSource, plan: EdgesPlan): Promise<EdgesReading> {
  const {request} = plan
  const inScope = new Map(plan.inScope.map((pod) => [podKey(pod), pod]))
  if (inScope.size === 0) return {errors: [], gauges: new Map(), podsScraped: 0, podsTargeted: 0, source: source.info(), warnings: []}
  const scope = namespaceScope(request.namespace, new Set([...inScope.values()].map((p) => p.metadata?.namespace ?? '')))
  request.progress?.(`asking Prometheus at ${source.client.label}`)
  const present = await podsPresent(source, inScope, scope, [], request.controlPlaneNamespace)
  const time = present.time

  const dstOwner = request.type.custom ? undefined : dstOwnerLabel(request.type.kind)
  const outboundBy = by(['namespace', 'pod', 'direction', 'dst_namespace', 'dst_pod', ...(dstOwner ? [dstOwner] : []), 'server_id', 'tls', 'no_tls_reason'])
  const outbound = (where: Array<Matcher | undefined>): string => `sum(${selector(GAUGE, [eq('direction', 'outbound'), ne('dst_namespace', ''), ...where])}) ${outboundBy}`
  const queries = [
    outbound([scope]),
    `sum(${selector(GAUGE, [eq('direction', 'inbound'), eq('peer', 'src'), scope])}) ${by(['namespace', 'pod', 'direction', 'peer', 'client_id', 'tls', 'no_tls_reason', 'target_port'])}`,
    // Clients elsewhere of the namespace's servers report their edges themselves, as in viz.
    ...(request.namespace === undefined ? [] : [outbound([eq('dst_namespace', request.namespace), ne('namespace', request.namespace)])]),
  ]
  const answers = await Promise.all(queries.map((q) => source.instant(q, time)))

  // A pod in scope that Prometheus holds was read, even without a connection open.
  const gauges = new Map<string, ConnectionGauge[]>()
  for (const key of inScope.keys()) if (present.pods.has(key)) gauges.set(key, [])
  for (const sample of answers.flat()) {
    const {namespace, pod, ...labels} = sample.labels
    if (!namespace || !pod || !Number.isFinite(sample.value)) continue
    const key = `${namespace}/${pod}`
    let list = gauges.get(key)
    if (!list) {
      list = []
      gauges.set(key, list)
    }
    list.push({labels, value: sample.value})
  }
  const podsScraped = [...inScope.keys()].filter((key) => present.pods.has(key)).length
  return {errors: [], gauges, podsScraped, podsTargeted: inScope.size, source: source.info(time), warnings: present.warnings}
}
