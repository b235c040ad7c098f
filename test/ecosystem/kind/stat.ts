// `meshport viz stat` against `linkerd viz stat` over the same minute, and what emojivoto must show.
//
// The two read the same proxy counters: meshport scrapes each proxy at the start and the end of its
// window, viz asks Prometheus (10 s scrapes) for the last minute when it runs, which the workflow
// starts the moment meshport's window ends. Run with --include-admin, meshport counts the admin
// port's traffic as viz does. So the rows must be the same and the numbers close:
// - success within `success` (absolute): voting fails on purpose, so it is not 100%;
// - RPS within `rpsRelative` of the larger, or `rpsAbsolute`, and > 0. meshport's own scrapes are
//   admin traffic too: the workflow's concurrent runs scrape each pod in a burst of up to six at each
//   end of the window, and one burst can fall in one tool's window only (6 requests a minute: 0.1 rps);
// - p50 and p95 within a factor `latencyFactor` (or `latencyAbsoluteMs`), for rows with at least
//   `latencyMinRps` on both sides: viz's quantiles come from `irate`, i.e. only the last ~10 s of
//   its window, so they rest on few requests; p99 of those few is the slowest one and is not compared;
// - byte rates within `bytesRelative` (or `bytesAbsolute`): /metrics bodies (~100 kB each, viz's
//   and meshport's scrapes) dominate them, and a burst at the edge of one window moves them.
// TCP_CONN is a gauge read at different instants (and counts meshport's own port-forwards), so it
// is not compared.
import type {StatRowJson} from '../../helpers/stat-json.js'
import {comparison, exitProblems, type Comparison} from './comparison.js'

export const STAT_TOLERANCE = {
  success: 0.05,
  rpsRelative: 0.2,
  rpsAbsolute: 0.2,
  latencyFactor: 2,
  latencyAbsoluteMs: 10,
  latencyMinRps: 1,
  bytesRelative: 0.5,
  bytesAbsolute: 1024,
}

export type StatTolerance = typeof STAT_TOLERANCE

/** A row of `linkerd viz stat -o json` (viz/cmd/stat.go jsonStats); no MESHED there. */
export interface LinkerdStatRow {
  namespace: string
  kind: string
  name: string
  success: number | null
  rps: number | null
  latency_ms_p50: number | null
  latency_ms_p95: number | null
  latency_ms_p99: number | null
  tcp_open_connections?: number
  tcp_read_bytes_rate?: number
  tcp_write_bytes_rate?: number
}

/** The fields of `meshport viz stat -o json` (docs/viz-stat.md) the comparisons read: the end-to-end tests' own. */
export type MeshportStatRow = StatRowJson

export interface MeshportStatDoc {
  time: string
  window: {requestedSeconds: number; measuredSeconds: {min: number; max: number} | null}
  includeAdmin: boolean
  rows: MeshportStatRow[]
  errors: Array<{namespace?: string; pod: string; error: string}>
}

const key = (r: {namespace: string; kind: string; name: string}): string => `${r.namespace}/${r.kind}/${r.name}`
const close = (a: number, b: number, relative: number, absolute: number): boolean => Math.abs(a - b) <= Math.max(absolute, relative * Math.max(Math.abs(a), Math.abs(b)))
const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : String(Number(n.toFixed(3))))

/** Traffic and latency of one row on both sides: the problems, or none. */
function compareNumbers(k: string, m: {success: number | null; rps: number | null; p50: number | null; p95: number | null; read?: number | null; write?: number | null}, l: typeof m, t: StatTolerance): string[] {
  const problems: string[] = []
  const mTraffic = m.success !== null
  const lTraffic = l.success !== null
  if (mTraffic !== lTraffic) return [`${k}: traffic in ${mTraffic ? 'meshport' : 'linkerd'} only (success meshport=${fmt(m.success)}, linkerd=${fmt(l.success)})`]
  if (!mTraffic) return []
  if (Math.abs(m.success! - l.success!) > t.success) problems.push(`${k}: success meshport=${fmt(m.success)} linkerd=${fmt(l.success)} (tolerance ${t.success})`)
  if (!(m.rps! > 0) || !(l.rps! > 0)) problems.push(`${k}: a row with responses must have RPS > 0 (meshport=${fmt(m.rps)}, linkerd=${fmt(l.rps)})`)
  else if (!close(m.rps!, l.rps!, t.rpsRelative, t.rpsAbsolute)) problems.push(`${k}: rps meshport=${fmt(m.rps)} linkerd=${fmt(l.rps)}`)
  if (m.rps! >= t.latencyMinRps && l.rps! >= t.latencyMinRps) {
    for (const [q, a, b] of [['p50', m.p50, l.p50], ['p95', m.p95, l.p95]] as const) {
      if (a === null || b === null) problems.push(`${k}: latency ${q} missing (meshport=${fmt(a)}, linkerd=${fmt(b)})`)
      else if (!(Math.abs(a - b) <= t.latencyAbsoluteMs || Math.max(a, b) <= t.latencyFactor * Math.min(a, b))) problems.push(`${k}: latency ${q} meshport=${fmt(a)}ms linkerd=${fmt(b)}ms`)
    }
  }
  for (const [what, a, b] of [['read bytes/s', m.read, l.read], ['write bytes/s', m.write, l.write]] as const) {
    if (typeof a === 'number' && typeof b === 'number' && !close(a, b, t.bytesRelative, t.bytesAbsolute)) problems.push(`${k}: ${what} meshport=${fmt(a)} linkerd=${fmt(b)}`)
  }
  return problems
}

export interface StatRun {
  meshport: MeshportStatDoc
  linkerd: LinkerdStatRow[]
  meshportExit: number
  linkerdExit: number
  /** The window both were asked for, in seconds. */
  windowSeconds: number
  /** When linkerd viz stat ran (Unix seconds): it must follow the end of meshport's window closely. */
  linkerdAt?: number
  maxSkewSeconds?: number
  tolerance?: StatTolerance
  /**
   * Namespaces whose rows are compared for presence only: viz's own (`linkerd viz stat` queries
   * reach its metrics-api and Prometheus inside viz's window, not inside meshport's).
   */
  presenceOnly?: string[]
}

export function compareStat(run: StatRun): Comparison {
  const t = run.tolerance ?? STAT_TOLERANCE
  const problems = [...exitProblems('meshport viz stat', run.meshportExit, 0), ...exitProblems('linkerd viz stat', run.linkerdExit, 0)]
  const notCompared = ['TCP_CONN: a gauge read at different instants, and it counts meshport\'s own port-forwards', 'latency p99: viz takes it from the last ~10 s only']
  const {meshport} = run
  if (meshport.window.requestedSeconds !== run.windowSeconds) problems.push(`meshport measured a ${meshport.window.requestedSeconds}s window, linkerd ${run.windowSeconds}s`)
  const measured = meshport.window.measuredSeconds
  if (measured !== null && (measured.min < run.windowSeconds - 5 || measured.max > run.windowSeconds + 5)) problems.push(`meshport's measured window ${measured.min}-${measured.max}s is not ${run.windowSeconds}s`)
  if (run.linkerdAt !== undefined) {
    const skew = run.linkerdAt - Date.parse(meshport.time) / 1000
    if (!(Math.abs(skew) <= (run.maxSkewSeconds ?? 20))) problems.push(`linkerd viz stat ran ${skew.toFixed(1)}s after meshport's window ended: not the same minute`)
  }
  for (const e of meshport.errors) problems.push(`meshport could not scrape pod ${e.namespace ?? ''}/${e.pod}: ${e.error}`)

  const ours = new Map(meshport.rows.map((r) => [key(r), r]))
  const theirs = new Map(run.linkerd.map((r) => [key(r), r]))
  if (ours.size === 0 && theirs.size === 0) problems.push('no rows on either side: nothing was compared')
  for (const k of theirs.keys()) if (!ours.has(k)) problems.push(`${k}: in linkerd viz stat, missing from meshport`)
  for (const k of ours.keys()) if (!theirs.has(k)) problems.push(`${k}: in meshport, missing from linkerd viz stat`)
  let withTraffic = 0
  const presenceOnly = new Set(run.presenceOnly ?? [])
  for (const ns of presenceOnly) notCompared.push(`numbers of the rows in ${ns}: linkerd viz stat's own queries are part of that traffic in its window only`)
  for (const [k, l] of theirs) {
    const m = ours.get(k)
    if (m === undefined || presenceOnly.has(l.namespace)) continue
    if (m.success !== null && l.success !== null) withTraffic++
    problems.push(
      ...compareNumbers(
        k,
        {success: m.success, rps: m.rps, p50: m.latency_ms_p50, p95: m.latency_ms_p95, read: m.tcp_read_bytes_rate, write: m.tcp_write_bytes_rate},
        {success: l.success, rps: l.rps, p50: l.latency_ms_p50, p95: l.latency_ms_p95, read: l.tcp_read_bytes_rate ?? null, write: l.tcp_write_bytes_rate ?? null},
        t,
      ),
    )
  }
  return comparison(`stat: ${theirs.size} linkerd rows, ${ours.size} meshport rows, ${withTraffic} with traffic on both sides`, problems, notCompared)
}

export interface StatExpectation {
  /** Rows (by name) that must show responses: RPS > 0, a success rate, every pod meshed and ready. */
  traffic: string[]
  /** Rows that must exist, meshed, with no inbound responses at all. */
  noTraffic: string[]
  /** Rows that must have failed responses (success < 100%). */
  failures: string[]
}

/** What a healthy emojivoto must show in `meshport viz stat deploy` (admin port excluded). */
export function expectStat(meshport: MeshportStatDoc, exit: number, expected: StatExpectation): Comparison {
  const problems = exitProblems('meshport viz stat', exit, 0)
  if (meshport.includeAdmin) problems.push('run without --include-admin: admin-port traffic would hide a row without inbound traffic')
  const byName = new Map(meshport.rows.map((r) => [r.name, r]))
  for (const name of [...expected.traffic, ...expected.noTraffic]) {
    const row = byName.get(name)
    if (row === undefined) {
      problems.push(`${name}: no row`)
      continue
    }
    if (row.meshed.total < 1 || row.meshed.ready !== row.meshed.total) problems.push(`${name}: MESHED ${row.meshed.ready}/${row.meshed.total}, expected every pod meshed and ready`)
    if (row.pods.failed > 0) problems.push(`${name}: ${row.pods.failed} pods could not be scraped`)
    const responses = row.success_count + row.failure_count
    if (expected.traffic.includes(name) && (responses === 0 || row.success === null || !(row.rps! > 0))) problems.push(`${name}: expected inbound traffic, got ${responses} responses (rps ${fmt(row.rps)})`)
    if (expected.noTraffic.includes(name) && (responses !== 0 || row.success !== null)) problems.push(`${name}: expected no inbound traffic, got ${responses} responses (success ${fmt(row.success)})`)
  }
  for (const name of expected.failures) {
    const row = byName.get(name)
    if (row !== undefined && !(row.failure_count > 0 && row.success !== null && row.success < 1)) problems.push(`${name}: expected failed responses, got ${row.failure_count} (success ${fmt(row.success)})`)
  }
  const rows = meshport.rows.map((r) => `${r.name} ${r.meshed.ready}/${r.meshed.total} ${r.success === null ? '-' : `${(r.success * 100).toFixed(2)}%`} ${fmt(r.rps)}rps`)
  return comparison(`stat expectations: ${rows.join(', ')}`, problems)
}

/** One table of `viz stat` text output: its header cells and its rows by column. */
export interface StatTable {
  headers: string[]
  rows: Array<Record<string, string>>
}

/** Tables of `viz stat` table/wide output (several, blank-line separated, for mixed kinds). */
export function parseStatTables(text: string): StatTable[] {
  const tables: StatTable[] = []
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    if (lines.length === 0) continue
    const headers = lines[0]!.trim().split(/\s+/)
    const rows = lines.slice(1).map((line) => {
      const cells = line.trim().split(/\s+/)
      if (cells.length !== headers.length) throw new Error(`table row has ${cells.length} cells for ${headers.length} columns: ${line}`)
      return Object.fromEntries(headers.map((h, i) => [h, cells[i]!]))
    })
    tables.push({headers, rows})
  }
  return tables
}

function cellNumber(cell: string | undefined, suffix: string): number | null {
  if (cell === undefined || cell === '-') return null
  if (!cell.endsWith(suffix)) throw new Error(`cell ${cell} does not end in ${suffix}`)
  const n = Number(cell.slice(0, cell.length - suffix.length))
  if (!Number.isFinite(n)) throw new Error(`cell ${cell} is not a number`)
  return n
}

/** `-o wide` (or table) output of both tools: same columns, same rows, same MESHED, close numbers. */
export function compareStatTables(meshportText: string, linkerdText: string, meshportExit: number, linkerdExit: number, tolerance: StatTolerance = STAT_TOLERANCE): Comparison {
  const problems = [...exitProblems('meshport viz stat', meshportExit, 0), ...exitProblems('linkerd viz stat', linkerdExit, 0)]
  let ours: StatTable[]
  let theirs: StatTable[]
  try {
    ours = parseStatTables(meshportText)
    theirs = parseStatTables(linkerdText)
  } catch (error) {
    return comparison('stat tables: unreadable', [...problems, (error as Error).message])
  }
  if (ours.length !== theirs.length) problems.push(`meshport printed ${ours.length} tables, linkerd ${theirs.length}`)
  let rows = 0
  for (const [i, l] of theirs.entries()) {
    const m = ours[i]
    if (m === undefined) continue
    if (m.headers.join(' ') !== l.headers.join(' ')) problems.push(`table ${i + 1} columns: meshport ${m.headers.join(' ')}; linkerd ${l.headers.join(' ')}`)
    const rowKey = (r: Record<string, string>): string => `${r.NAMESPACE ?? ''}/${r.NAME ?? ''}`
    const mine = new Map(m.rows.map((r) => [rowKey(r), r]))
    for (const lr of l.rows) {
      const k = rowKey(lr)
      const mr = mine.get(k)
      mine.delete(k)
      if (mr === undefined) {
        problems.push(`${k}: in linkerd's table, missing from meshport's`)
        continue
      }
      rows++
      if (mr.MESHED !== lr.MESHED) problems.push(`${k}: MESHED meshport=${mr.MESHED} linkerd=${lr.MESHED}`)
      if (lr.STATUS !== undefined && mr.STATUS !== lr.STATUS) problems.push(`${k}: STATUS meshport=${mr.STATUS} linkerd=${lr.STATUS}`)
      try {
        const numbers = (r: Record<string, string>) => {
          const success = cellNumber(r.SUCCESS, '%')
          return {success: success === null ? null : success / 100, rps: cellNumber(r.RPS, 'rps'), p50: cellNumber(r.LATENCY_P50, 'ms'), p95: cellNumber(r.LATENCY_P95, 'ms'), read: cellNumber(r['READ_BYTES/SEC'], 'B/s'), write: cellNumber(r['WRITE_BYTES/SEC'], 'B/s')}
        }
        // The table rounds success to 0.01% and RPS to 0.1: inside the tolerances.
        problems.push(...compareNumbers(k, numbers(mr), numbers(lr), tolerance))
      } catch (error) {
        problems.push(`${k}: ${(error as Error).message}`)
      }
    }
    for (const k of mine.keys()) problems.push(`${k}: in meshport's table, missing from linkerd's`)
  }
  if (rows === 0) problems.push('no row in common: nothing was compared')
  return comparison(`stat tables: ${theirs.length} tables, ${rows} rows compared`, problems, ['TCP_CONN: a gauge read at different instants'])
}
