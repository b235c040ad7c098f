// The Prometheus source: every number from a Prometheus that already scrapes the proxies, with
// Linkerd viz's queries over viz's label scheme (namespace, pod, deployment, k8s_job, … on every
// proxy series), as instant queries at one evaluation time. Any window Prometheus holds is
// answered at once. The HTTP client (src/kube/prometheus.ts) is handed in; this module builds
// queries and reads answers, so tests can hand it a fake.
import type {PrometheusClient, PromSample} from '../kube/types.js'
import type {EdgesPlan} from './edges-plan.js'
import {prometheusAuthz} from './prometheus-authz.js'
import {prometheusEdges} from './prometheus-edges.js'
import {prometheusStat} from './prometheus-stat.js'
import type {AuthzMeasurement, AuthzPlan, EdgesReading, MetricsSource, SourceInfo, StatMeasurement, StatPlan} from './source.js'

export class PrometheusSource implements MetricsSource {
  readonly kind = 'prometheus'

  constructor(readonly client: PrometheusClient) {}

  /** Where the numbers came from, for documents; `time` is the evaluation time (seconds). */
  info(time?: number): SourceInfo {
    const info: SourceInfo = {kind: 'prometheus', prometheus: this.client.label}
    if (time !== undefined && Number.isFinite(time)) info.evaluatedAt = new Date(time * 1000).toISOString()
    return info
  }

  /** One instant query at `time` (seconds; default Prometheus' now). */
  instant(promql: string, time?: number): Promise<PromSample[]> {
    return this.client.query(promql, time)
  }

  stat(plan: StatPlan): Promise<StatMeasurement> {
    return prometheusStat(this, plan)
  }

  edges(plan: EdgesPlan): Promise<EdgesReading> {
    return prometheusEdges(this, plan)
  }

  authz(plan: AuthzPlan): Promise<AuthzMeasurement> {
    return prometheusAuthz(this, plan)
  }

  close(): Promise<void> {
    return this.client.close()
  }
}
