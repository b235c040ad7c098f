// The parts of `viz stat -o json` (src/output/stat-json.ts) the end-to-end tests read.

export interface StatRowJson {
  namespace: string
  name: string
  kind: string
  meshed: {ready: number; total: number}
  pods: {targeted: number; scraped: number; failed: number}
  success: number | null
  success_count: number
  failure_count: number
  rps: number | null
  latency_ms_p50: number | null
  latency_ms_p95: number | null
  latency_ms_p99: number | null
  tcp_open_connections: number | null
  tcp_read_bytes_rate: number | null
  tcp_write_bytes_rate: number | null
  errors: Array<{pod: string; error: string}>
}

export interface StatDocJson {
  rows: StatRowJson[]
  source?: {kind: string; prometheus?: string; evaluatedAt?: string; scrapeVia?: string; scrapes?: {proxy: number; portForward: number}}
  error?: {code: string; exitCode: number; message: string}
}
