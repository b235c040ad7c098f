// Runs categories in order and the selected checks of one category in parallel. Each run of a check
// has its own deadline: when it passes, the result is `timeout` and names what the check was still
// waiting for (not a misleading error, linkerd/linkerd2#14350). With `--wait`, failing checks marked
// `retry` are re-run on a fresh snapshot until the deadline, as `linkerd check` does. A failed fatal
// check stops later categories; their checks are reported as `skipped` with the reason.
import {TimeoutError} from '../errors.js'
import {formatDuration} from '../util/duration.js'
import {fullId, isSelected, type Selection} from './select.js'
import type {Category, CategoryEntry, Check, CheckCounts, CheckEntry, CheckReport, CheckScope, CheckStatus, FailOn, Outcome} from './types.js'
import {hintUrl} from './types.js'
import {sleep as defaultSleep} from '../util/sleep.js'

export interface RetryNotice {
  categoryId: string
  checkIds: string[]
  /** Time left before `--wait` runs out. */
  remainingMs: number
  /** The latest failure of each retried check. */
  errors: string[]
}

export interface RunOptions<C> {
  selection?: Selection
  checkTimeoutMs: number
  /** Retry window for checks marked `retry`; 0 runs every check once. */
  waitMs?: number
  retryIntervalMs?: number
  failOn?: FailOn
  /** A context with fresh cluster data, for retries. Default: the same context. */
  refresh?: (ctx: C) => C
  onCategory?: (category: Category<C>) => void
  onResult?: (category: Category<C>, entry: CheckEntry) => void
  /** A category's final results, as soon as its checks (and their retries) are done. */
  onCategoryDone?: (entry: CategoryEntry) => void
  onRetry?: (notice: RetryNotice) => void
  /** API call counters to copy into the report. */
  stats?: () => {apiCalls: number; listCalls: number; byMethod?: Record<string, number>}
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}


class TimedOut extends Error {}

/** Runs one check once under its deadline; never throws. */
export async function runOnce<C>(check: Check<C>, ctx: C, timeoutMs: number, now: () => number = Date.now): Promise<Omit<CheckEntry, 'id'>> {
  const started = now()
  const controller = new AbortController()
  const pending = new Map<number, string>()
  let nextToken = 0
  const scope: CheckScope = {
    signal: controller.signal,
    async waitFor(label, promise) {
      const token = nextToken++
      pending.set(token, label)
      try {
        return await promise
      } finally {
        pending.delete(token)
      }
    },
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), timeoutMs)
  })
  let outcome: Outcome | 'timeout'
  let apiTimeout: string | undefined
  try {
    outcome = await Promise.race([check.run(ctx, scope), deadline])
  } catch (error) {
    if (error instanceof TimeoutError) {
      // An API call or port-forward ran out of --request-timeout: the answer is unknown, not "failed".
      outcome = 'timeout'
      apiTimeout = error.message
    } else {
      // A check that cannot get its data fails at its own severity (a warning check warns), as in Linkerd.
      outcome = error instanceof TimedOut ? 'timeout' : {kind: 'fail', message: error instanceof Error ? error.message : String(error)}
    }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  const durationMs = Math.max(0, Math.round(now() - started))
  const base = {description: check.description, durationMs}
  if (outcome === 'timeout' && apiTimeout !== undefined) return {...base, result: 'timeout', error: apiTimeout}
  if (outcome === 'timeout') {
    const labels = [...new Set(pending.values())]
    const waiting = labels.length === 0 ? 'the check to finish' : labels.length <= 3 ? labels.join(', ') : `${labels.slice(0, 3).join(', ')} and ${labels.length - 3} more`
    return {...base, result: 'timeout', error: `timed out after ${formatDuration(timeoutMs)} waiting for ${waiting}`}
  }
  if (outcome.kind === 'pass') return outcome.detail === undefined ? {...base, result: 'success'} : {...base, result: 'success', detail: outcome.detail}
  if (outcome.kind === 'skip') return {...base, result: 'skipped', error: outcome.reason}
  const result: CheckStatus = (outcome.severity ?? check.severity) === 'warning' ? 'warning' : 'error'
  const hint = hintUrl(check.hint)
  return hint === undefined ? {...base, result, error: outcome.message} : {...base, result, error: outcome.message, hint}
}

const failed = (entry: {result: CheckStatus}) => entry.result === 'error' || entry.result === 'warning' || entry.result === 'timeout'

export async function runChecks<C>(categories: ReadonlyArray<Category<C>>, ctx: C, options: RunOptions<C>): Promise<CheckReport> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? defaultSleep
  const selection = options.selection ?? {only: [], skip: []}
  const started = now()
  const retryDeadline = started + (options.waitMs ?? 0)
  const interval = options.retryIntervalMs ?? 5000
  const report: CategoryEntry[] = []
  let stoppedBy: string | undefined
  let current = ctx

  for (const category of categories) {
    const checks = category.checks.filter((check) => isSelected(category, check, selection))
    if (checks.length === 0) continue
    const entry: CategoryEntry = {id: category.id, name: category.name, checks: []}
    report.push(entry)
    if (stoppedBy !== undefined) {
      for (const check of checks) {
        const skipped: CheckEntry = {id: fullId(category, check), description: check.description, result: 'skipped', error: `not run: ${stoppedBy} failed`, durationMs: 0}
        entry.checks.push(skipped)
      }
      options.onCategoryDone?.(entry)
      continue
    }
    options.onCategory?.(category)
    let results = await Promise.all(checks.map(async (check) => ({id: fullId(category, check), ...(await runOnce(check, current, options.checkTimeoutMs, now))})))

    // Retry round: every failing retryable check of the category again, on fresh data.
    for (;;) {
      const retryable = checks.map((check, i) => ({check, i})).filter(({check, i}) => check.retry && failed(results[i] as CheckEntry))
      const remainingMs = retryDeadline - now()
      if (retryable.length === 0 || remainingMs <= 0) break
      options.onRetry?.({
        categoryId: category.id,
        checkIds: retryable.map(({i}) => (results[i] as CheckEntry).id),
        remainingMs,
        errors: retryable.map(({i}) => (results[i] as CheckEntry).error ?? ''),
      })
      await sleep(Math.min(interval, remainingMs))
      current = options.refresh ? options.refresh(current) : current
      const again = await Promise.all(retryable.map(async ({check}) => runOnce(check, current, options.checkTimeoutMs, now)))
      results = results.map((result, i) => {
        const k = retryable.findIndex((r) => r.i === i)
        return k === -1 ? result : {id: result.id, ...(again[k] as Omit<CheckEntry, 'id'>)}
      })
    }

    for (const result of results) {
      entry.checks.push(result)
      options.onResult?.(category, result)
    }
    const fatal = checks.find((check, i) => check.fatal && ((results[i] as CheckEntry).result === 'error' || (results[i] as CheckEntry).result === 'timeout'))
    if (fatal) stoppedBy = fullId(category, fatal)
    options.onCategoryDone?.(entry)
  }

  const failOn = options.failOn ?? 'error'
  const counts = countResults(report)
  const success = counts.error === 0 && counts.timeout === 0 && (failOn === 'error' || counts.warning === 0)
  const calls = options.stats?.() ?? {apiCalls: 0, listCalls: 0}
  const durationMs = Math.round(now() - started)
  const stats: CheckReport['stats'] = calls.byMethod
    ? {apiCalls: calls.apiCalls, listCalls: calls.listCalls, byMethod: {...calls.byMethod}, durationMs}
    : {apiCalls: calls.apiCalls, listCalls: calls.listCalls, durationMs}
  const result: CheckReport = {schemaVersion: 1, success, failOn, counts, categories: report, stats}
  if (stoppedBy !== undefined) result.stoppedBy = stoppedBy
  return result
}

export function countResults(categories: readonly CategoryEntry[]): CheckCounts {
  const counts: CheckCounts = {error: 0, skipped: 0, success: 0, timeout: 0, warning: 0}
  for (const category of categories) for (const check of category.checks) counts[check.result]++
  return counts
}

/** Exit code of a finished run (docs/exit-codes.md): a failure outranks a timeout. */
export function reportExitCode(report: Pick<CheckReport, 'counts' | 'failOn'>): 0 | 1 | 4 {
  const {counts, failOn} = report
  if (counts.error > 0 || (failOn === 'warning' && counts.warning > 0)) return 1
  if (counts.timeout > 0) return 4
  return 0
}
