// The check engine's vocabulary. A check is a small object with a stable id that returns an
// outcome; a category is an ordered group of checks; a report is what renderers and exit codes read.
// Linkerd's healthcheck package has the same shape (checker / category / CheckResult); meshport adds
// stable ids, explicit `skipped` and `timeout` results, and durations.

/** What a check can say about the cluster. Thrown errors become `error` results. */
export type Outcome =
  | {kind: 'fail'; message: string; severity?: Severity}
  | {kind: 'pass'; detail?: string}
  | {kind: 'skip'; reason: string}

/** How bad a failing check is: `error` fails the run, `warning` only with `--fail-on warning`. */
export type Severity = 'error' | 'warning'

/** A check's final result, as JSON and JUnit report it. */
export type CheckStatus = 'error' | 'skipped' | 'success' | 'timeout' | 'warning'

/** Handed to each run of a check: cancellation, and a way to say what it is waiting for. */
export interface CheckScope {
  readonly signal: AbortSignal
  /** Tracks `promise` under `label` (e.g. `pod/web-1 in shop`) so a timeout can name what was pending. */
  waitFor<T>(label: string, promise: Promise<T>): Promise<T>
}

export interface Check<C> {
  /** Stable within its category, kebab-case; the full id is `<category>.<id>`. */
  readonly id: string
  /** One line, present tense, as `linkerd check` prints it. */
  readonly description: string
  readonly severity: Severity
  /** A failure means later categories cannot run (Linkerd's fatal checks). */
  readonly fatal?: boolean
  /** Retried until `--wait` runs out (things that become true: pods getting ready). */
  readonly retry?: boolean
  /** Anchor on https://linkerd.io/2/checks/ or a full URL. */
  readonly hint?: string
  /**
   * Other ids that select this check with --only/--skip: Linkerd's category id when Linkerd
   * files the check under a category meshport folded into another (`control-plane-version`).
   */
  readonly aliases?: readonly string[]
  run(ctx: C, scope: CheckScope): Promise<Outcome>
}

export interface Category<C> {
  /** Stable id, Linkerd's category name where one exists (`linkerd-identity`). */
  readonly id: string
  /** Header printed above the category's checks. */
  readonly name: string
  /** Other ids that select the whole category: Linkerd's id where meshport's differs, the printed name. */
  readonly aliases?: readonly string[]
  readonly checks: ReadonlyArray<Check<C>>
  /**
   * Starts slow reads in the background before the first category runs, when a selected check of
   * this category needs them (`selected(checkId)`); the checks find the results in their snapshot.
   */
  prefetch?(ctx: C, selected: (checkId: string) => boolean): void
}

export interface CheckEntry {
  id: string
  description: string
  result: CheckStatus
  /** Why it failed, timed out or was skipped. */
  error?: string
  /** Where to read how to fix it (failures and warnings only). */
  hint?: string
  /** Extra text on success (Linkerd's "verbose success"). */
  detail?: string
  durationMs: number
}

export interface CategoryEntry {
  id: string
  name: string
  checks: CheckEntry[]
}

export type FailOn = 'error' | 'warning'

export interface CheckCounts {
  error: number
  skipped: number
  success: number
  timeout: number
  warning: number
}

export interface CheckReport {
  schemaVersion: 1
  success: boolean
  failOn: FailOn
  counts: CheckCounts
  categories: CategoryEntry[]
  /** Set when a fatal check stopped later categories. */
  stoppedBy?: string
  stats: {apiCalls: number; listCalls: number; byMethod?: Record<string, number>; durationMs: number}
}

export const pass = (detail?: string): Outcome => (detail === undefined ? {kind: 'pass'} : {kind: 'pass', detail})
export const fail = (message: string, severity?: Severity): Outcome =>
  severity === undefined ? {kind: 'fail', message} : {kind: 'fail', message, severity}
export const skip = (reason: string): Outcome => ({kind: 'skip', reason})

/** A check from its parts, for the helpers that wrap a family of checks (per Link, when installed...). */
export function defineCheck<C>(id: string, description: string, hint: string, severity: Severity, run: Check<C>['run'], extra: Partial<Check<C>> = {}): Check<C> {
  return {id, description, severity, hint, ...extra, run}
}

export const LINKERD_HINT_BASE = 'https://linkerd.io/2/checks/#'

/** Anchors become Linkerd's checks page; full URLs are kept. */
export function hintUrl(hint: string | undefined): string | undefined {
  if (hint === undefined) return undefined
  return /^https?:\/\//.test(hint) ? hint : `${LINKERD_HINT_BASE}${hint}`
}
