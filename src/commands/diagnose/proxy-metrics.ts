import {Args, Flags} from '@oclif/core'

import {ClusterCommand, scrapeViaFlag} from '../../cluster-command.js'
import {NotFoundError, UsageError} from '../../errors.js'
import {jsonDocument} from '../../output/json.js'

export default class DiagnoseProxyMetrics extends ClusterCommand {
  static override description = `Print the raw /metrics of each pod's Linkerd proxy.

Each pod's proxy is reached on its linkerd-admin port (a native-sidecar proxy too) through the API server's pods/proxy, or a port-forward where that cannot work (--scrape-via). Output follows linkerd diagnostics proxy-metrics: a "# POD name (i of n)" header per pod, then the Prometheus text or "# ERROR: ...". --obfuscate replaces the values of the authority, client_id, server_id, target_addr, dst_service and dst_namespace labels with the first 8 hex digits of their SHA-256, as Linkerd does; other labels (target_ip, pod names) stay as they are. Exit code 1 when a pod could not be read or a named one does not exist.`

  static override examples = [
    '<%= config.bin %> diagnose proxy-metrics deploy/web -n shop',
    '<%= config.bin %> diagnose proxy-metrics web-7d9f8 -n shop',
    '<%= config.bin %> diagnose proxy-metrics po/web-7d9f8 --obfuscate > web.metrics',
  ]

  static override strict = false

  static override args = {
    target: Args.string({description: 'A pod name, TYPE/NAME (po/NAME, deploy/NAME, sts/NAME, ...) or TYPE; several may be given.', ignoreStdin: true, required: true}),
  }

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace of the targets (default: the context namespace, else default).'}),
    selector: Flags.string({char: 'l', description: 'Label selector for the pods.'}),
    obfuscate: Flags.boolean({default: false, description: 'Hash the authority, client_id, server_id, target_addr, dst_service and dst_namespace label values (as Linkerd does; target_ip stays).'}),
    output: Flags.option({char: 'o', default: 'text', description: 'Output format: Linkerd-style text (table is the same), or one JSON document.', options: ['text', 'table', 'json'] as const})(),
    concurrency: Flags.integer({default: 16, description: 'How many pods to read at once.', min: 1}),
    'scrape-via': scrapeViaFlag(),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(DiagnoseProxyMetrics)
    const targets = argv as string[]
    if (targets.length === 0) throw new UsageError('a target is required, e.g. po/NAME or deploy/NAME')
    const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
    const kube = await this.kube(flags)
    try {
      const [{resolvePods}, {renderProxyMetrics, scrapeProxyMetrics}] = await Promise.all([
        import('../../diagnose/resolve-pods.js'),
        import('../../diagnose/proxy-metrics.js'),
      ])
      const namespace = flags.namespace ?? kube.namespace
      const {pods, missing} = await resolvePods(kube, {namespace, labelSelector: flags.selector, targets})
      if (missing.length > 0) throw new NotFoundError(missing.map((m) => `${m} in namespace ${namespace}`), {hint: `check the name and the namespace (-n ${namespace})`})
      const report = await scrapeProxyMetrics(kube, pods, {obfuscate: flags.obfuscate, timeoutMs, concurrency: flags.concurrency})
      if (flags.output === 'json') this.outData(jsonDocument(report))
      else this.out(renderProxyMetrics(report))
      const failed = report.pods.filter((p) => p.error !== undefined)
      for (const p of failed) this.err(`Warning: pod/${p.pod} in ${p.namespace}: ${p.error}\n`)
      if (report.pods.length === 0) this.err(`No pods found for ${targets.join(' ')} in namespace ${namespace}.\n`)
      if (failed.length > 0) process.exitCode = failed.every((p) => p.timedOut) ? 4 : 1
    } finally {
      await kube.close()
    }
  }
}
