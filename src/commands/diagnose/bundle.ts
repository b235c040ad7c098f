import {renameSync, rmSync, writeFileSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'

import type {CheckSettings} from '../../checks/context.js'
import {ClusterCommand, scrapeViaFlag} from '../../cluster-command.js'
import {parseRuleSelection} from '../../diagnose/rules.js'
import {errorInfo, InputError, NotFoundError, UsageError} from '../../errors.js'
import type {KubeClient} from '../../kube/types.js'
import {countsLine} from '../../output/diagnose-problems.js'
import {jsonDocument} from '../../output/json.js'
import {terminalSafe} from '../../output/terminal.js'

export default class DiagnoseBundle extends ClusterCommand {
  static override description = `Write a support bundle (tar.gz) for a namespace, safe to attach to a bug report.

It holds a diagnose pod report and the proxy's /metrics for every pod of the namespace, the port analysis, the control plane's pod statuses and linkerd-config, and the meshport check --proxy report. Secrets are never read; tokens, passwords and private keys (including the kubeconfig's) are replaced by [REDACTED]. --obfuscate also hashes the values of the authority, client_id, server_id, target_addr, dst_service and dst_namespace labels in the proxy metrics (as linkerd diagnostics proxy-metrics --obfuscate; target_ip stays). The bundle goes to FILE, or to meshport-bundle-<namespace>-<UTC time>.tar.gz in the current directory. Exit code 1 when a problem of severity error is found.`

  static override examples = [
    '<%= config.bin %> diagnose bundle -n shop',
    '<%= config.bin %> diagnose bundle -n shop shop-bundle.tar.gz',
    '<%= config.bin %> diagnose bundle -n shop --output-file bundle.tar.gz --obfuscate',
  ]

  static override args = {
    file: Args.string({description: 'Where to write the .tar.gz (default: meshport-bundle-<namespace>-<time>.tar.gz).', ignoreStdin: true, required: false}),
  }

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace to collect (default: the context namespace, else default).'}),
    'output-file': Flags.string({description: 'Where to write the .tar.gz, as FILE.'}),
    // Until 0.2: -f named the input manifest in diagnose ports and the output here.
    file: Flags.string({char: 'f', description: 'Deprecated: use FILE or --output-file.', hidden: true}),
    obfuscate: Flags.boolean({default: false, description: 'Hash the authority, client_id, server_id, target_addr, dst_service and dst_namespace label values in the proxy metrics.'}),
    'skip-check': Flags.boolean({default: false, description: 'Do not include the check --proxy report.'}),
    only: Flags.string({description: 'Report only these rule ids or groups (e.g. ports, mesh.not-annotated; comma-separated or repeated).', multiple: true}),
    skip: Flags.string({description: 'Do not report these rule ids or groups.', multiple: true}),
    output: Flags.option({char: 'o', default: 'table', description: 'Summary format on stdout.', options: ['table', 'json'] as const})(),
    concurrency: Flags.integer({default: 16, description: 'How many pods to read at once.', min: 1}),
    'scrape-via': scrapeViaFlag(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DiagnoseBundle)
    if (flags.file !== undefined) this.err('Warning: -f/--file is deprecated and goes away in the next release: give the bundle\'s path as FILE or with --output-file\n')
    const given = [...new Set([args.file, flags['output-file'], flags.file].filter((f): f is string => f !== undefined))]
    if (given.length > 1) throw new UsageError(`two bundle files given: ${given.join(' and ')}`, {hint: 'give one, as FILE or with --output-file'})
    const selection = parseRuleSelection(flags.only, flags.skip)
    if ('error' in selection) throw new UsageError(selection.error, {hint: 'rule ids are listed in docs/diagnose.md'})
    const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
    const kube = await this.kube(flags)
    try {
      const [{collectBundle, defaultBundleName}, {tarGz}, {kubeconfigPaths, kubeconfigSecrets}, {renderPodReport}, {renderPortsReport}] = await Promise.all([
        import('../../diagnose/bundle.js'),
        import('../../diagnose/tar.js'),
        import('../../diagnose/kubeconfig-secrets.js'),
        import('../../output/diagnose-pod.js'),
        import('../../output/diagnose-ports.js'),
      ])
      const namespace = flags.namespace ?? kube.namespace
      if (!(await kube.getNamespace(namespace))) throw new NotFoundError([`namespace ${namespace}`], {hint: 'pass an existing namespace with -n'})
      const checkJson = flags['skip-check'] ? undefined : await this.checkReport(kube, namespace, flags['linkerd-namespace'], timeoutMs, flags.concurrency)
      const now = new Date()
      const file = given[0] ?? defaultBundleName(namespace, now)
      const result = await collectBundle(kube, {
        namespace,
        linkerdNamespace: flags['linkerd-namespace'],
        timeoutMs,
        concurrency: flags.concurrency,
        obfuscate: flags.obfuscate,
        contextName: kube.contextName,
        now,
        secrets: kubeconfigSecrets(kubeconfigPaths(flags.kubeconfig)),
        checkJson,
        only: selection.only,
        skip: selection.skip,
        // The .txt files are read with cat and less: text from the cluster in them is escaped as on a
        // terminal (the .json files keep it as it was).
        text: {
          metrics: terminalSafe,
          podReport: (report) => terminalSafe(renderPodReport(report, {color: false, nowMs: now.getTime()})),
          portsReport: (report) => terminalSafe(renderPortsReport(report, false)),
        },
      })
      // Write beside the target and rename, so a failure never leaves half a bundle behind.
      const tmp = `${file}.tmp-${process.pid}`
      try {
        writeFileSync(tmp, tarGz(result.entries, now.getTime()))
        renameSync(tmp, file)
      } catch (err) {
        rmSync(tmp, {force: true})
        throw new InputError({source: file}, `cannot write the bundle: ${(err as Error).message}`)
      }
      const summary = {schemaVersion: 1, kind: 'DiagnoseBundleSummary', file, namespace, pods: result.pods, files: result.entries.length, counts: result.counts}
      if (flags.output === 'json') this.outData(jsonDocument(summary))
      else this.out(`wrote ${file}: ${result.entries.length} files for ${result.pods} pods in ${namespace}\n`)
      this.err(`${countsLine(result.counts)}\n`)
      if (result.counts.error > 0) process.exitCode = 1
    } finally {
      await kube.close()
    }
  }

  /** `check --proxy -n NS` as JSON; a run that fails is reported in it and never loses the bundle. */
  private async checkReport(kube: KubeClient, namespace: string, linkerdNamespace: string, timeoutMs: number, concurrency: number): Promise<string> {
    const [{runCheckSuite}, {failedRunReport}, {DEFAULT_CERT_EXPIRY_THRESHOLD_MS}, {renderCheckJson}] = await Promise.all([
      import('../../checks/suite.js'),
      import('../../checks/failed-run.js'),
      import('../../checks/threshold.js'),
      import('../../output/check-json.js'),
    ])
    const settings: CheckSettings = {
      mode: 'proxy',
      controlPlaneNamespace: linkerdNamespace,
      dataPlaneNamespace: namespace,
      certExpiryThresholdMs: DEFAULT_CERT_EXPIRY_THRESHOLD_MS,
      offline: true,
      requestTimeoutMs: timeoutMs,
      expectedVersion: undefined,
      versionCheckUrl: '',
      now: Date.now,
    }
    try {
      return renderCheckJson(await runCheckSuite(kube, settings, {checkTimeoutMs: Math.max(timeoutMs, 10_000), concurrency}))
    } catch (err) {
      const info = errorInfo(err)
      return renderCheckJson(failedRunReport(info), info)
    }
  }
}

