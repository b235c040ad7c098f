// Where the viz family's numbers come from: ONE interface, two implementations.
//
//   DirectSource      (direct-source.ts)     scrapes every proxy's /metrics itself, through the
//                                             kube layer (pods/proxy on one HTTP/2 session, or a
//                                             port-forward per pod), a window apart
//   PrometheusSource  (prometheus-source.ts) asks a Prometheus that already scrapes the proxies
//                                             (viz's, through the API server, or any URL) with
//                                             Linkerd viz's queries and labels
//
// A command (viz stat, viz edges, viz authz) lists pods and groups them into rows from the API the
// same way whatever the source (stat-run.ts, edges-plan.ts, authz-run.ts), hands the source a
// plan, and renders the same rows, table and JSON document, which records the source (`source`
// below). Which source a run uses is decided once, from the shared flags (--prometheus,
// --viz-namespace, --scrape-via: src/viz-command.ts) and the window (source-choice.ts).
//
// Adding a command's measurement: add a method here, build its plan in the command's run module
// like stat-run.ts does (rows and pods from the API), then implement it in both sources with
// their building blocks:
// - DirectSource: targets(pods) (admin ports), scrapeOnce(targets, read) for gauges and identities,
//   scrapeWindow(targets, {windowMs, read, onPair}) for counters, peerMatcher(peer); bodies parsed
//   with parse.ts, keeping only the samples read.
// - PrometheusSource: instant(promql, time) over queries built with promql.ts (matchers quoted and
//   escaped), presence() from prometheus-presence.ts first (which pods it holds, with which
//   labels, and the evaluation time for every later query; explainNoSeries when it holds none),
//   then grouping by viz's owner labels (src/mesh/viz.ts) as prometheus-stat.ts does.
// Both end in the same rows (report.ts buildReport, with statsOf for a source's own per-row numbers).
import type {ScrapeVia, V1Pod} from '../kube/types.js'
import type {ResourceRow} from '../resources/group.js'
import type {Target} from '../resources/targets.js'
import type {AuthzRow, AuthzSnapshot} from './authz.js'
import type {EdgesPlan, PodGauges} from './edges-plan.js'
import type {PodError, StatReport} from './report.js'
import type {Direction} from './select.js'
import type {SignalSnapshot} from './signals.js'

export type SourceKind = 'direct' | 'prometheus'

/** What a document records under `source`, and --verbose prints. */
export interface SourceInfo {
  kind: SourceKind
  /** Direct: --scrape-via. */
  scrapeVia?: ScrapeVia
  /** Direct: GETs that went through the API server's pods/proxy and through port-forwards. */
  scrapes?: {proxy: number; portForward: number}
  /** Prometheus: its URL without credentials or query, or `service NS/NAME:PORT` (viz's, through the API server). */
  prometheus?: string
  /** Prometheus: the time every query was evaluated at (ISO 8601). */
  evaluatedAt?: string
}

/** A --to or --from resource, resolved against the API before measuring. */
export interface PeerSpec {
  flag: 'to' | 'from'
  /** Canonical kind (`deployment`, `namespace`, `service`, or a custom kind as typed) and name. */
  target: Target
  /** Its namespace (for `namespace` targets: the namespace named). */
  namespace: string
  /** Names of its pods (none for namespaces and services). */
  pods: ReadonlySet<string>
  /** Service accounts of its pods (their mTLS identities, for --from). */
  serviceAccounts: ReadonlySet<string>
}

/** What `viz stat` asks a source to measure. Rows and pods come from the API, the same for both sources. */
export interface StatPlan {
  rows: readonly ResourceRow[]
  /** The meshed, running pods of the rows, by `namespace/name`: what is measured. */
  pods: ReadonlyMap<string, V1Pod>
  /** Namespace of the request; undefined: all namespaces. */
  namespace: string | undefined
  direction: Direction
  peer?: PeerSpec | undefined
  includeAdmin: boolean
  windowMs: number
  controlPlaneNamespace: string
  progress?: ((message: string) => void) | undefined
}

/** What the next --watch window of a source starts from (direct: each pod's last scrape). */
export type StatCarry = ReadonlyMap<string, SignalSnapshot>

export interface StatMeasurement {
  report: StatReport
  /** Non-fatal trouble for stderr (e.g. a namespace Prometheus does not scrape). */
  warnings: string[]
  carry?: StatCarry | undefined
  source: SourceInfo
}

/** The connection gauges `viz edges` reads (edges-plan.ts turns them into edges the same way for both sources). */
export interface EdgesReading {
  /** Gauges by pod (`namespace/name`); a pod read without any has an empty list. */
  gauges: PodGauges
  /** The plan's meshed pods in scope (and, direct, the clients elsewhere scraped after them). */
  podsTargeted: number
  /** Those read: scraped, or held by Prometheus. */
  podsScraped: number
  /** Pods that could not be scraped (direct; Prometheus says what it lacks in `warnings`). */
  errors: PodError[]
  warnings: string[]
  source: SourceInfo
}

/** What `viz authz` asks a source to measure: the target's meshed running pods over the window. */
export interface AuthzPlan {
  /** The target's rows (one type), after -l: a Prometheus selects their series by owner label. */
  rows: readonly ResourceRow[]
  /** Their meshed, running pods by `namespace/name`. */
  pods: ReadonlyMap<string, V1Pod>
  /** Namespace of the request; undefined: all namespaces (or namespace rows). */
  namespace: string | undefined
  includeAdmin: boolean
  windowMs: number
  controlPlaneNamespace: string
  progress?: ((message: string) => void) | undefined
}

/** What the next --watch window of a direct authz run starts from. */
export type AuthzCarry = ReadonlyMap<string, AuthzSnapshot>

export interface AuthzMeasurement {
  /** Per namespace, Server, route and authorization, before the table's choice (authz-report.ts). */
  rows: AuthzRow[]
  podsTargeted: number
  podsScraped: number
  errors: PodError[]
  /** The span the numbers cover: each proxy's between its scrapes, or the Prometheus window. */
  measuredSeconds: {min: number; max: number} | undefined
  warnings: string[]
  carry?: AuthzCarry | undefined
  source: SourceInfo
}

export interface MetricsSource {
  readonly kind: SourceKind
  /** Golden signals of each row over the window. */
  stat(plan: StatPlan, carry?: StatCarry): Promise<StatMeasurement>
  /** Open connections of the plan's pods, now (no window). */
  edges(plan: EdgesPlan): Promise<EdgesReading>
  /** Authorization counters and the traffic they admitted, per Server, route and authorization, over the window. */
  authz(plan: AuthzPlan, carry?: AuthzCarry): Promise<AuthzMeasurement>
  /** Frees connections; safe to call twice. */
  close(): Promise<void>
}
