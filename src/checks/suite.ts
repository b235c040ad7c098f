// The one way to run the check suite, shared by `check` and `diagnose bundle`: count the API
// calls, make sure the API server answers at all (no usable cluster is exit 3, one that never
// answers in time exit 4, neither a check result), let categories start their slow reads early,
// run the categories, and stop background work when the run is over.
import type {KubeClient} from '../kube/types.js'
import {createContext, refreshContext, type CheckContext, type CheckMode, type CheckSettings, type FetchText, type VizPrometheusFactory} from './context.js'
import {countingKube} from './counting-kube.js'
import type {RemoteKubeFactory} from './remote.js'
import {categoriesFor} from './registry.js'
import {runChecks, type RetryNotice} from './runner.js'
import {isSelected, type Selection} from './select.js'
import {wordDuration} from './threshold.js'
import type {Category, CategoryEntry, CheckReport, FailOn} from './types.js'

export interface SuiteOptions {
  selection?: Selection
  checkTimeoutMs: number
  /** `--wait`: retry window for checks that can become true. */
  waitMs?: number
  failOn?: FailOn
  /** Port-forwards open at once. */
  concurrency: number
  fetchText?: FetchText
  /** Builds clients for other clusters (multicluster Links); closed when the run is over. */
  remoteKube?: RemoteKubeFactory
  /** Opens Linkerd viz's Prometheus; without it the check that queries it is skipped. */
  vizPrometheus?: VizPrometheusFactory
  onCategory?: (category: Category<CheckContext>) => void
  onCategoryDone?: (entry: CategoryEntry) => void
  onRetry?: (notice: RetryNotice) => void
}

/** The categories of a mode, their expiry checks worded with the threshold ("valid for at least 60 days"). */
export function suiteCategories(mode: CheckMode, certExpiryThresholdMs: number): Array<Category<CheckContext>> {
  return categoriesFor(mode, {validFor: wordDuration(certExpiryThresholdMs)})
}

export async function runCheckSuite(client: KubeClient, settings: CheckSettings, options: SuiteOptions): Promise<CheckReport> {
  const categories = suiteCategories(settings.mode, settings.certExpiryThresholdMs)
  const selection = options.selection ?? {only: [], skip: []}
  const {kube, stats} = countingKube(client)
  const finished = new AbortController()
  const ctx = createContext(kube, settings, {concurrency: options.concurrency, signal: finished.signal, ...(options.fetchText ? {fetchText: options.fetchText} : {}), ...(options.remoteKube ? {remoteKube: options.remoteKube} : {}), ...(options.vizPrometheus ? {vizPrometheus: options.vizPrometheus} : {})})
  try {
    await connect(ctx)
    for (const category of categories) category.prefetch?.(ctx, (checkId) => isSelected(category, category.checks.find((c) => c.id === checkId) ?? {id: checkId}, selection))
    return await runChecks(categories, ctx, {
      selection,
      checkTimeoutMs: options.checkTimeoutMs,
      waitMs: options.waitMs ?? 0,
      failOn: options.failOn ?? 'error',
      refresh: refreshContext,
      stats: () => stats,
      ...(options.onCategory ? {onCategory: options.onCategory} : {}),
      ...(options.onCategoryDone ? {onCategoryDone: options.onCategoryDone} : {}),
      ...(options.onRetry ? {onRetry: options.onRetry} : {}),
    })
  } finally {
    finished.abort()
    await ctx.remotes.close()
  }
}

/**
 * The API server must answer first. Its failure ends the run before any check: refused,
 * unreachable or rejected credentials are exit 3; a server that stalls past --request-timeout
 * (the kube layer tells a stall from a server it could not connect to) is a timeout (exit 4), like
 * every other stall, and so is an exec credential plugin that ran out of time.
 */
async function connect(ctx: CheckContext): Promise<void> {
  await ctx.snapshot.version()
}
