// The shape of one parsed /metrics body of a Linkerd proxy (both its legacy Prometheus text part
// and its OpenMetrics-flavoured prometheus-client part). Shared by viz stat and diagnose.

/** `# TYPE` values of both formats; `untyped` for samples whose family was never declared. */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'gaugehistogram'
  | 'histogram'
  | 'info'
  | 'stateset'
  | 'summary'
  | 'unknown'
  | 'untyped'

export type Labels = Readonly<Record<string, string>>

export interface Sample {
  /** The sample's own name, e.g. `response_latency_ms_bucket` or `control_identity_cert_refreshes_total`. */
  readonly name: string
  readonly labels: Labels
  /** May be NaN or ±Infinity, as the text format allows. */
  readonly value: number
  /** Optional exposition timestamp (ms since the epoch in Prometheus text, seconds in OpenMetrics: kept raw). */
  readonly timestamp?: number
  /** labelKey(labels), when the parser already knew it (histogram buckets). */
  readonly series?: string
}

export interface MetricFamily {
  /** The family name as declared by `# TYPE`/`# HELP` (without `_total`/`_bucket` suffixes in OpenMetrics). */
  readonly name: string
  type: MetricType
  help?: string
  unit?: string
  readonly samples: Sample[]
}

export interface ParsedMetrics {
  /** Families by name, in order of first appearance. */
  readonly families: ReadonlyMap<string, MetricFamily>
  /** Every sample in body order (the same objects as in the families). */
  readonly samples: readonly Sample[]
  /** True when a `# EOF` line (end of the prometheus-client part) was seen. */
  readonly sawEof: boolean
}
