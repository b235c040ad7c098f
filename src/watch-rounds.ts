// One measurement, or with --watch one after another: the way the viz commands (stat, edges,
// authz) go round, so they behave alike. A round measures, checks what ends the command whatever
// the round (a wrong target), and shows its data on stdout and its notes on stderr. On a terminal
// each frame replaces the previous one (WatchScreen); piped, frames follow one another and a note
// reaches the log once, not once a round; JSON is one document per line, byte for byte. A watch
// that has shown data rides out a blip of the API server or Prometheus, backing off; anything else
// ends it.
import {errorInfo, isMeshError} from './errors.js'
import {KubeErrorCode, PrometheusErrorCode} from './kube/types.js'
import type {CommandIo} from './manifest-run.js'
import {VIZ_SCRAPE_INTERVAL_SECONDS} from './mesh/viz.js'
import type {SourceKind} from './metrics/source.js'
import {WatchScreen} from './output/watch-screen.js'
import {formatDuration} from './util/duration.js'
import {sleep} from './util/sleep.js'

export interface Rounds<R> {
  watch: boolean
  json: boolean
  /** From the start of one round to the start of the next, whatever a round found. */
  periodMs: number
  measure(): Promise<R>
  /** Throws what ends the command (a type or name that does not exist). */
  check(run: R): void
  /** The round's data: a table, or one JSON document (a line with --watch). */
  render(run: R): string
  /** The round's notes for stderr: warnings, pods that could not be read, "No traffic found.". */
  notes(run: R): string
  /** The exit code of a single run (no --watch). */
  exitCode(run: R): number
}

export async function goRound<R>(io: CommandIo, rounds: Rounds<R>): Promise<void> {
  const screen = rounds.watch && !rounds.json && process.stdout.isTTY ? new WatchScreen(process.stdout, process.stderr) : undefined
  let count = 0
  let lastNotes = ''
  let failures = 0
  for (;;) {
    const started = Date.now()
    let run: R
    try {
      run = await rounds.measure()
    } catch (err) {
      if (count === 0 || !passing(err)) throw err
      failures++
      const wait = backoff(rounds.periodMs, failures)
      const note = `Warning: ${errorInfo(err).message} (retrying in ${formatDuration(wait)})\n`
      if (screen) screen.draw('', note)
      else io.err(note)
      await sleep(wait)
      continue
    }
    failures = 0
    rounds.check(run)
    const notes = rounds.notes(run)
    const text = rounds.render(run)
    if (screen) screen.draw(text, notes)
    else {
      if (rounds.watch && count > 0 && !rounds.json && text !== '') io.show('\n')
      if (rounds.json) io.out(text)
      else io.show(text)
      if (notes !== lastNotes) io.err(notes)
      lastNotes = notes
    }
    count++
    if (!rounds.watch) {
      process.exitCode = rounds.exitCode(run)
      return
    }
    // Nothing to measure must not spin.
    await sleep(started + rounds.periodMs - Date.now())
  }
}

/**
 * The exit code of a run that read proxies: 0 when any answered or none was targeted; when none
 * answered, 4 if every one stalled (the numbers are unknown), else 1.
 */
export function scrapeExitCode(targeted: number, scraped: number, errors: ReadonlyArray<{timedOut?: true}>): number {
  if (targeted === 0 || scraped > 0) return 0
  return errors.length > 0 && errors.every((e) => e.timedOut) ? 4 : 1
}

export interface ScrapeNoted {
  warnings: readonly string[]
  errors: ReadonlyArray<{pod: string; namespace: string; error: string}>
  podsTargeted: number
  podsScraped: number
  /** Where the numbers came from (undefined when nothing was measured). */
  source?: {kind: SourceKind} | undefined
}

/**
 * What a round that read proxies notes on stderr: warnings, each pod it could not scrape, how many
 * it did (a Prometheus source says which pods it lacks per namespace in its warnings); then `tail`.
 */
export function scrapeNotes(run: ScrapeNoted, tail = ''): string {
  let text = ''
  for (const warning of run.warnings) text += `Warning: ${warning}\n`
  const direct = run.source?.kind !== 'prometheus'
  if (direct) for (const error of run.errors) text += `Warning: pod/${error.pod} in ${error.namespace} could not be scraped: ${error.error}\n`
  const {podsScraped, podsTargeted} = run
  if (podsTargeted > 0 && podsScraped < podsTargeted) text += direct ? `Scraped ${podsScraped} of ${podsTargeted} meshed pods.\n` : `Prometheus holds series of ${podsScraped} of ${podsTargeted} meshed pods.\n`
  return text + tail
}

/**
 * From one round to the next: a window for a direct source (each round spans one). A Prometheus
 * answers at once for any window: it is asked again when its scrapes can have changed the
 * numbers (viz's scrape interval).
 */
export function roundPeriod(source: SourceKind, windowMs: number): number {
  return source === 'prometheus' ? Math.min(windowMs, VIZ_SCRAPE_INTERVAL_SECONDS * 1000) : windowMs
}

/** Failures a watch waits out: the API server or Prometheus unreachable or slow, or answering 429 or 5xx. */
export function passing(err: unknown): boolean {
  if (!isMeshError(err)) return false
  const waits: readonly string[] = [KubeErrorCode.unreachable, KubeErrorCode.timeout, 'TIMEOUT', PrometheusErrorCode.unreachable, PrometheusErrorCode.timeout]
  if (waits.includes(err.code)) return true
  const status = (err as {status?: number}).status
  return err.code === KubeErrorCode.apiError && status !== undefined && (status === 429 || status >= 500)
}

/** One period, then doubling, up to a minute (or the period, when that is longer). */
export function backoff(periodMs: number, failures: number): number {
  return Math.min(periodMs * 2 ** Math.max(0, failures - 1), Math.max(periodMs, 60_000))
}
