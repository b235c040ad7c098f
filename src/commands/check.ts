import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'

import type {CheckMode, CheckSettings} from '../checks/context.js'
import {failedRunReport} from '../checks/failed-run.js'
import {savedReportFromJson, ReportShapeError, type SavedReport} from '../checks/report-json.js'
import {reportExitCode, type RetryNotice} from '../checks/runner.js'
import {splitIds, unknownSelectors} from '../checks/select.js'
import {runCheckSuite, suiteCategories} from '../checks/suite.js'
import {DEFAULT_CERT_EXPIRY_THRESHOLD, parseLongDuration} from '../checks/threshold.js'
import type {CategoryEntry, CheckReport} from '../checks/types.js'
import {ClusterCommand, scrapeViaFlag} from '../cluster-command.js'
import {type ErrorInfo, InputError, UsageError} from '../errors.js'
import type {PrometheusClient} from '../kube/types.js'
import {CNI_DEFAULT_NAMESPACE} from '../mesh/cni.js'
import {VIZ_PROMETHEUS} from '../mesh/viz.js'
import {renderCheckJson} from '../output/check-json.js'
import {renderCheckJUnit} from '../output/check-junit.js'
import {renderCheckMarkdown} from '../output/check-markdown.js'
import {renderCheckListJson, renderCheckListText} from '../output/check-list.js'
import {renderCategoryBlock, renderCheckTable, renderCheckTail} from '../output/check-table.js'
import {startProgress} from '../output/progress.js'
import {formatDuration, parseDuration} from '../util/duration.js'

export default class Check extends ClusterCommand {
  static override summary = 'Check the cluster, the Linkerd control plane and (with --proxy) every proxy and its ports.'

  static override description = `Runs the checks of \`linkerd check\` with the same meaning, built for CI: one JSON document or a JUnit report, stable check ids to select with --only/--skip, warnings that can fail the run (--fail-on warning), and the same exit code in every format: 0 pass, 1 a check failed, 2 usage, 3 no usable cluster, 4 a check timed out.

Categories run in order; the checks of a category run in parallel on one shared snapshot of the cluster (each kind listed once). --proxy adds the data plane: every meshed pod's proxy is ready, answers /live and /ready on its admin port (through the API server's pods/proxy, or a port-forward: --scrape-via), runs the control plane's version, holds a certificate that is not expiring, and has healthy ports. Every check id, what it means and how to fix it: docs/check.md.`

  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check --pre',
    '<%= config.bin %> check --crds --wait 2m',
    '<%= config.bin %> check --proxy -n emojivoto',
    '<%= config.bin %> check --proxy -o junit > check.xml',
    '<%= config.bin %> check -o json --fail-on warning --cert-expiry-threshold 30d',
    '<%= config.bin %> check --only linkerd-identity --skip linkerd-identity.trust-anchors-not-expiring',
    '<%= config.bin %> check --wait 5m',
    '<%= config.bin %> check --proxy -o json > check.json; <%= config.bin %> check --from-json check.json -o markdown',
  ]

  static override flags = {
    pre: Flags.boolean({default: false, description: 'Checks before installing Linkerd.', exclusive: ['proxy', 'crds']}),
    crds: Flags.boolean({default: false, description: "Only check that Linkerd's CRDs are installed (after `linkerd install --crds`, before the control plane).", exclusive: ['pre', 'proxy']}),
    proxy: Flags.boolean({default: false, description: 'Also check the data plane: proxies, admin ports, certificates and ports.', exclusive: ['pre', 'crds']}),
    namespace: Flags.string({char: 'n', description: 'Data plane namespace for --proxy (default: every namespace).'}),
    'cni-namespace': Flags.string({default: CNI_DEFAULT_NAMESPACE, description: 'Namespace of the linkerd-cni plugin (checked when linkerd-config says cniEnabled).'}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'short', 'json', 'junit', 'markdown'] as const})(),
    only: Flags.string({description: 'Run only these check or category ids (comma-separated or repeated).', multiple: true}),
    skip: Flags.string({description: 'Do not run these check or category ids (comma-separated or repeated).', multiple: true}),
    'fail-on': Flags.option({default: 'error', description: 'Lowest result that fails the run (exit 1).', options: ['error', 'warning'] as const})(),
    wait: Flags.string({default: '0s', description: 'Retry failing checks that can become true (pods getting ready) until this deadline, e.g. 5m.'}),
    'check-timeout': Flags.string({default: '60s', description: 'Time one check may take before it is reported as timeout (each API call, pods/proxy GET and port-forward also has --request-timeout).'}),
    'cert-expiry-threshold': Flags.string({default: DEFAULT_CERT_EXPIRY_THRESHOLD, description: 'Warn when a certificate expires within this time (or within the last third of a shorter lifetime).'}),
    offline: Flags.boolean({default: false, description: 'Skip every check that needs something outside the cluster (the latest-version lookup).'}),
    'expected-version': Flags.string({description: 'Version the control plane must run (e.g. edge-26.8.3).'}),
    concurrency: Flags.integer({default: 16, description: 'Proxies read at the same time (--proxy).', min: 1}),
    'scrape-via': scrapeViaFlag(),
    'list-checks': Flags.boolean({default: false, description: 'Print the category, alias and check ids of this mode that --only/--skip select (as JSON with -o json) and exit.'}),
    'from-json': Flags.string({description: 'Render a report saved with -o json (- reads stdin) instead of checking the cluster; exits as that run did.', exclusive: ['list-checks', 'wait']}),
    'version-check-url': Flags.string({default: 'https://versioncheck.linkerd.io/version.json', description: 'Where to look up the latest Linkerd versions.', hidden: true}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Check)
    const mode: CheckMode = flags.pre ? 'pre' : flags.crds ? 'crds' : flags.proxy ? 'proxy' : 'control-plane'
    if (flags.namespace !== undefined && !flags.proxy) throw new UsageError('-n/--namespace only applies to --proxy', {hint: 'add --proxy to check the data plane of that namespace'})
    const waitMs = this.duration('--wait', flags.wait, parseDuration, 0)
    const checkTimeoutMs = this.duration('--check-timeout', flags['check-timeout'], parseDuration, 1)
    const thresholdMs = this.duration('--cert-expiry-threshold', flags['cert-expiry-threshold'], parseLongDuration, 1)
    const categories = suiteCategories(mode, thresholdMs)

    if (flags['from-json'] !== undefined) {
      const saved = readSavedReport(flags['from-json'])
      this.write(this.render(saved.report, flags.output, flags.color, saved.error), flags.output)
      // A run that could not start exits as it did (2, 3); a report, by its checks.
      process.exitCode = saved.error?.exitCode ?? reportExitCode(saved.report)
      return
    }
    const selection = {only: splitIds(flags.only), skip: splitIds(flags.skip)}
    const unknown = unknownSelectors(categories, selection)
    if (unknown.length > 0) {
      throw new UsageError(`unknown check id${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `"${id}"`).join(', ')} for this mode`, {
        // Every mode but the default is named by its flag.
        hint: `list the ids with: meshport check${mode === 'control-plane' ? '' : ` --${mode}`} --list-checks`,
      })
    }
    if (flags['list-checks']) {
      this.write(flags.output === 'json' ? renderCheckListJson(categories, selection) : renderCheckListText(categories, selection), flags.output)
      return
    }

    const options = this.kubeOptions(flags)
    const client = await this.kube(flags)
    const settings: CheckSettings = {
      mode,
      controlPlaneNamespace: flags['linkerd-namespace'],
      cniNamespace: flags['cni-namespace'],
      dataPlaneNamespace: flags.namespace,
      certExpiryThresholdMs: thresholdMs,
      offline: flags.offline,
      requestTimeoutMs: options.requestTimeoutMs,
      expectedVersion: flags['expected-version'],
      versionCheckUrl: flags['version-check-url'],
      now: Date.now,
    }
    const human = flags.output === 'table' || flags.output === 'short'
    const table = {color: this.useColor(flags.color), short: flags.output === 'short'}
    const progress = await startProgress({enabled: human, color: flags.color})
    this.pauseSpinner = (paused) => progress.pause(paused)
    // Links' target clusters get their own clients, from the kubeconfigs in their Secrets.
    const remoteKube = this.remoteKubeFactory(options.requestTimeoutMs)
    // viz's Prometheus, opened only if a check asks for it, through the API server as --prometheus auto.
    const prometheusClients: PrometheusClient[] = []
    const vizPrometheus = async (namespace: string): Promise<PrometheusClient> => {
      const endpoint = {headers: {}, kind: 'service' as const, name: VIZ_PROMETHEUS.service, namespace, port: VIZ_PROMETHEUS.port}
      const prometheus = await this.prometheus(endpoint, client, {timeoutMs: options.requestTimeoutMs, verbose: flags.verbose})
      prometheusClients.push(prometheus)
      return prometheus
    }
    try {
      progress.show('connecting to the Kubernetes API')
      const report = await runCheckSuite(client, settings, {
        selection,
        checkTimeoutMs,
        waitMs,
        failOn: flags['fail-on'],
        concurrency: flags.concurrency,
        remoteKube,
        vizPrometheus,
        onCategory: (category) => progress.show(`checking ${category.name}`),
        // As linkerd check does: each category on screen as soon as it is done, not all at the end
        // of a --wait. The spinner goes first, so it never lands inside the report.
        ...(human
          ? {
              onCategoryDone: (entry: CategoryEntry) => {
                const block = renderCategoryBlock(entry, table)
                if (block === '') return
                progress.stop()
                this.out(block)
              },
            }
          : {}),
        onRetry: (notice) => {
          // A countdown that ticks every second until the next retry round reports.
          const deadline = Date.now() + notice.remainingMs
          progress.tick(() => retryText({...notice, remainingMs: Math.max(0, deadline - Date.now())}))
        },
      })
      progress.stop()
      this.write(human ? renderCheckTail(report, table) : this.render(report, flags.output, flags.color), flags.output)
      if (flags.verbose) {
        const cpu = process.cpuUsage()
        this.err(`${report.stats.apiCalls} API calls (${report.stats.listCalls} lists) in ${formatDuration(report.stats.durationMs)}, process CPU ${Math.round((cpu.user + cpu.system) / 1000)}ms\n`)
      }
      process.exitCode = reportExitCode(report)
    } finally {
      progress.stop()
      await Promise.all(prometheusClients.map((p) => p.close()))
      await client.close()
    }
  }

  /** JSON and JUnit are data, byte for byte; the table, short and markdown layouts are read by a person. */
  private write(text: string, output: string): void {
    if (output === 'json' || output === 'junit') this.outData(text)
    else this.out(text)
  }

  /** A run that could not start is still a document in JSON and JUnit, with the failure as a failed check. */
  protected override errorDocument(info: ErrorInfo, format: string): string | undefined {
    if (format === 'junit') return renderCheckJUnit(failedRunReport(info), new Date().toISOString())
    if (format === 'json') return renderCheckJson(failedRunReport(info), info)
    return undefined
  }

  private render(report: CheckReport, output: 'json' | 'junit' | 'markdown' | 'short' | 'table', color: 'always' | 'auto' | 'never', error?: ErrorInfo): string {
    if (output === 'json') return renderCheckJson(report, error)
    if (output === 'junit') return renderCheckJUnit(report, new Date().toISOString())
    if (output === 'markdown') return renderCheckMarkdown(report, error)
    return renderCheckTable(report, {color: this.useColor(color), short: output === 'short'})
  }

  private duration(flag: string, text: string, parse: (t: string) => number | undefined, min: number): number {
    const ms = parse(text)
    if (ms === undefined || ms < min) throw new UsageError(`invalid ${flag} "${text}"`, {hint: 'use a duration such as 30s, 5m or 60d'})
    return ms
  }
}

/** The report in a file written by `check -o json` (bad input: exit 1, naming the file and where). */
function readSavedReport(path: string): SavedReport {
  const source = path === '-' ? '(stdin)' : path
  const hint = 'save a report with: meshport check -o json > check.json'
  let text: string
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8')
  } catch (error) {
    throw new InputError({source}, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(error as Error).message}`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)
    const before = at ? text.slice(0, Number(at[1])).split('\n') : undefined
    const location = before ? {source, line: before.length, column: before.at(-1)!.length + 1} : {source}
    throw new InputError(location, `not JSON: ${(error as Error).message}`, {hint})
  }
  try {
    return savedReportFromJson(doc)
  } catch (error) {
    if (error instanceof ReportShapeError) throw new InputError({source}, `not a meshport check report: ${error.message}`, {hint})
    throw error
  }
}

function retryText(notice: RetryNotice): string {
  const first = (notice.errors[0]?.split('\n', 1)[0] ?? '').replace(/:$/, '')
  const left = formatDuration(Math.ceil(notice.remainingMs / 1000) * 1000)
  return `waiting for ${notice.checkIds.join(', ')} (${left} left)${first ? `: ${first}` : ''}`
}
