import {renameSync, rmSync, writeFileSync} from 'node:fs'

import {Flags} from '@oclif/core'

import type {CheckSettings} from '../../checks/context.js'
import {ClusterCommand, scrapeViaFlag} from '../../cluster-command.js'
import {parseRuleSelection} from '../../diagnose/rules.js'
import {errorInfo, InputError, UsageError} from '../../errors.js'
import type {KubeClient} from '../../kube/types.js'
import {countsLine} from '../../output/diagnose-problems.js'
import {jsonDocument} from '../../output/json.js'

export default class DiagnoseBundle extends ClusterCommand {
  static override description = `Write a support bundle (tar.gz) for a namespace, safe to attach to a bug report.

It holds a diagnose pod report and the proxy's /metrics for every pod of the namespace, the port analysis, the control plane's pod statuses and linkerd-config, and the meshport check --proxy report. Secrets are never read; tokens, passwords and private keys (including the kubeconfig's) are replaced by [REDACTED]. --obfuscate also hashes service names and identities in the metrics. Exit code 1 when a problem of severity error is found.`

  static override examples = ['<%= config.bin %> diagnose bundle -n shop -f shop-bundle.tar.gz', '<%= config.bin %> diagnose bundle -n shop -f bundle.tar.gz --obfuscate']

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace to collect (default: the context namespace, else default).'}),
    file: Flags.string({char: 'f', description: 'Where to write the .tar.gz.', required: true}),
    obfuscate: Flags.boolean({default: false, description: 'Hash authorities, identities, addresses, services and namespaces in the proxy metrics.'}),
    'skip-check': Flags.boolean({default: false, description: 'Do not include the check --proxy report.'}),
    only: Flags.string({description: 'Report only these rule ids or groups (e.g. ports, mesh.not-annotated; comma-separated or repeated).', multiple: true}),
    skip: Flags.string({description: 'Do not report these rule ids or groups.', multiple: true}),
    output: Flags.option({char: 'o', default: 'table', description: 'Summary format on stdout.', options: ['table', 'json'] as const})(),
    concurrency: Flags.integer({default: 16, description: 'How many pods to read at once.', min: 1}),
    'scrape-via': scrapeViaFlag(),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DiagnoseBundle)
    const selection = parseRuleSelection(flags.only, flags.skip)
    if ('error' in selection) throw new UsageError(selection.error, {hint: 'rule ids are listed in docs/diagnose.md'})
    const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
    const kube = await this.kube(flags)
    try {
      const [{collectBundle}, {tarGz}, {kubeconfigPaths, kubeconfigSecrets}, {renderPodReport}, {renderPortsReport}] = await Promise.all([
        import('../../diagnose/bundle.js'),
        import('../../diagnose/tar.js'),
        import('../../diagnose/kubeconfig-secrets.js'),
        import('../../output/diagnose-pod.js'),
        import('../../output/diagnose-ports.js'),
      ])
      const namespace = flags.namespace ?? kube.namespace
      if (!(await kube.getNamespace(namespace))) throw new InputError({source: `namespace ${namespace}`}, 'not found', {hint: 'pass an existing namespace with -n'})
      const checkJson = flags['skip-check'] ? undefined : await this.checkReport(kube, namespace, flags['linkerd-namespace'], timeoutMs, flags.concurrency)
      const now = new Date()
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
        text: {podReport: (report) => renderPodReport(report, false), portsReport: (report) => renderPortsReport(report, false)},
      })
      // Write beside the target and rename, so a failure never leaves half a bundle behind.
      const tmp = `${flags.file}.tmp-${process.pid}`
      try {
        writeFileSync(tmp, tarGz(result.entries, now.getTime()))
        renameSync(tmp, flags.file)
      } catch (err) {
        rmSync(tmp, {force: true})
        throw new InputError({source: flags.file}, `cannot write the bundle: ${(err as Error).message}`)
      }
      const summary = {schemaVersion: 1, kind: 'DiagnoseBundleSummary', file: flags.file, namespace, pods: result.pods, files: result.entries.length, counts: result.counts}
      if (flags.output === 'json') this.out(jsonDocument(summary))
      else this.out(`wrote ${flags.file}: ${result.entries.length} files for ${result.pods} pods in ${namespace}\n`)
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
