// The result of one `viz stat` measurement: a row per resource with its pods' aggregated
// signals, plus per-pod failures. Built from the grouping and the scrape outcomes; rendered by
// src/output/stat-table.ts and stat-json.ts.
import type {V1Pod} from '../kube/types.js'
import type {KindInfo} from '../resources/kinds.js'
import type {ResourceRow} from '../resources/group.js'
import {isMeshedBy, isReady, isRunning, podStatusText} from '../resources/pods.js'
import {aggregate, type RowStats} from './aggregate.js'
import type {PodSignals} from './signals.js'

export interface PodError {
  namespace: string
  pod: string
  error: string
  /** The scrape ran out of --request-timeout (a stalled port-forward): the pod's numbers are unknown. */
  timedOut?: true
}

export interface StatRow {
  kind: KindInfo
  namespace: string
  name: string
  /** kubectl-style STATUS, for pod rows only. */
  status?: string
  /** Ready meshed pods / pods that are not finished. */
  meshed: {ready: number; total: number}
  /** Meshed running pods that were to be scraped. */
  podsTargeted: number
  stats: RowStats
  errors: PodError[]
}

export interface StatReport {
  rows: StatRow[]
  /** Requested window in seconds. */
  windowSeconds: number
  errors: PodError[]
  podsTargeted: number
  podsScraped: number
}

/** A pod's measurement: its signals (direct), or just that its source holds it (Prometheus), or why not. */
export type PodOutcome = {ok: true; signals?: PodSignals} | {ok: false; error: string; timedOut?: true}

/** A row's numbers from the signals of its measured pods (default: aggregate), or from a source's own per-row answer. */
export type RowStatsOf = (row: ResourceRow, signals: readonly PodSignals[], measured: number) => RowStats

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`
}

/** Pods a stat run must scrape: meshed and running. */
export function scrapeable(pod: V1Pod, controlPlaneNamespace: string): boolean {
  return isMeshedBy(pod, controlPlaneNamespace) && isRunning(pod)
}

export function buildReport(
  rows: readonly ResourceRow[],
  outcomes: ReadonlyMap<string, PodOutcome>,
  options: {controlPlaneNamespace: string; windowSeconds: number; statsOf?: RowStatsOf},
): StatReport {
  const statsOf = options.statsOf ?? ((_row: ResourceRow, signals: readonly PodSignals[]) => aggregate(signals))
  const errors = new Map<string, PodError>()
  let scraped = 0
  for (const [key, outcome] of outcomes) {
    if (outcome.ok) scraped++
    else {
      const [namespace = '', pod = ''] = key.split('/')
      errors.set(key, outcome.timedOut ? {error: outcome.error, namespace, pod, timedOut: true} : {error: outcome.error, namespace, pod})
    }
  }
  const statRows = rows.map((row): StatRow => {
    const signals: PodSignals[] = []
    const rowErrors: PodError[] = []
    let targeted = 0
    let measured = 0
    for (const pod of row.pods) {
      const outcome = outcomes.get(podKey(pod))
      if (!outcome) continue
      targeted++
      if (outcome.ok) {
        measured++
        if (outcome.signals) signals.push(outcome.signals)
      } else rowErrors.push(errors.get(podKey(pod)) as PodError)
    }
    const meshedReady = row.pods.filter((p) => isMeshedBy(p, options.controlPlaneNamespace) && isReady(p)).length
    const statRow: StatRow = {
      errors: rowErrors,
      kind: row.kind,
      meshed: {ready: meshedReady, total: row.pods.length},
      name: row.name,
      namespace: row.namespace,
      podsTargeted: targeted,
      stats: statsOf(row, signals, measured),
    }
    if (row.kind.name === 'pod' && row.pods[0]) statRow.status = podStatusText(row.pods[0])
    return statRow
  })
  return {errors: [...errors.values()], podsScraped: scraped, podsTargeted: outcomes.size, rows: statRows, windowSeconds: options.windowSeconds}
}
