// `viz authz -o json`: one document with a schemaVersion (docs/viz-authz.md). Each row keeps viz's
// fields (route, server, authorization as viz prints them; unauthorized and rps per second;
// success as a ratio; latency_ms_p50…) unrounded, with null where viz leaves the field out, and
// adds the counts, the refused share, and the kinds and names behind each cell in the same
// snake_case style (as viz stat's rows); the envelope is camelCase. The document also
// says which Servers and authorizations apply to the pods and which default policy the proxies
// apply to ports no Server covers.
import type {AuthzRow} from '../metrics/authz.js'
import {authzCell, deniedShare, serverCell} from '../metrics/authz-report.js'
import type {AuthzRun} from '../metrics/authz-run.js'
import type {SourceInfo} from '../metrics/source.js'

export const AUTHZ_SCHEMA_VERSION = 1

export interface AuthzJsonContext {
  time: string
  /** Where the numbers came from; undefined when nothing was measured. */
  source: SourceInfo | undefined
  target: {kind: string; name: string | null; namespace: string | null}
  includeAdmin: boolean
}

const round = (n: number | undefined, digits = 6): number | null => (n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(digits)))

function rowJson(row: AuthzRow): Record<string, unknown> {
  const responses = row.successCount + row.failureCount > 0
  const q = (p: number): number | null => (responses ? round(row.latency.get(p)?.value) : null)
  return {
    namespace: row.namespace,
    route: row.key.route.name,
    server: serverCell(row.key),
    authorization: authzCell(row.key),
    unauthorized: round(row.deniedRate),
    success: round(row.successRate, 9),
    rps: round(row.rps),
    latency_ms_p50: q(0.5),
    latency_ms_p95: q(0.95),
    latency_ms_p99: q(0.99),
    allowed_rate: round(row.allowedRate),
    denied_share: round(deniedShare(row), 9),
    allowed_count: row.allowedCount,
    denied_count: row.deniedCount,
    success_count: row.successCount,
    failure_count: row.failureCount,
    server_ref: row.key.server,
    route_ref: row.key.route,
    authorization_ref: row.key.authz,
  }
}

export function authzJson(run: AuthzRun, context: AuthzJsonContext): Record<string, unknown> {
  const measured = run.measuredSeconds
  return {
    schemaVersion: AUTHZ_SCHEMA_VERSION,
    time: context.time,
    ...(context.source ? {source: context.source} : {}),
    target: context.target,
    window: {requestedSeconds: run.windowSeconds, measuredSeconds: measured ? {min: round(measured.min, 3), max: round(measured.max, 3)} : null},
    includeAdmin: context.includeAdmin,
    pods: {total: run.pods, targeted: run.podsTargeted, scraped: run.podsScraped, failed: run.errors.length},
    rows: run.rows.map(rowJson),
    servers: run.servers,
    authorizations: run.authorizations.map(({namespace, authorization}) => ({namespace, ...authorization})),
    defaultPolicies: run.defaults.map((d) => ({namespace: d.namespace, policy: d.policy, source: d.source, sameAsNamespace: d.sameAsNamespace === true, ports: d.ports, pods: d.pods})),
    errors: run.errors,
  }
}
