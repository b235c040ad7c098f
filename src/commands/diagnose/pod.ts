import {Args, Flags} from '@oclif/core'

import {ClusterCommand, scrapeViaFlag} from '../../cluster-command.js'
import {parseRuleSelection} from '../../diagnose/rules.js'
import {UsageError} from '../../errors.js'
import {countsLine} from '../../output/diagnose-problems.js'
import {jsonDocument} from '../../output/json.js'

export default class DiagnosePod extends ClusterCommand {
  static override description = `Explain one pod: why it is or is not meshed, proxy health, version and mTLS status.

Reads the pod, its namespace and owner, the proxy injector's webhook and pods, and (for a running meshed pod) the proxy's /ready, /live and /metrics through a port-forward to its admin port. Reports each problem with a rule id and a one-line fix; exit code 1 when a problem of severity error is found.`

  static override examples = ['<%= config.bin %> diagnose pod web-7d9f8 -n shop', '<%= config.bin %> diagnose pod po/web-7d9f8 -n shop -o json']

  static override args = {
    pod: Args.string({description: 'Pod name (or po/NAME).', ignoreStdin: true, required: true}),
  }

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace of the pod (default: the context namespace, else default).'}),
    only: Flags.string({description: 'Report only these rule ids or groups (e.g. ports, mesh.not-annotated; comma-separated or repeated).', multiple: true}),
    skip: Flags.string({description: 'Do not report these rule ids or groups.', multiple: true}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'json'] as const})(),
    'scrape-via': scrapeViaFlag(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DiagnosePod)
    const match = /^(?:(?:po|pod|pods)\/)?([^/]+)$/.exec(args.pod)
    if (!match?.[1]) throw new UsageError(`"${args.pod}" is not a pod name`, {hint: 'give the pod name, or po/NAME'})
    const name = match[1]
    const selection = parseRuleSelection(flags.only, flags.skip)
    if ('error' in selection) throw new UsageError(selection.error, {hint: 'rule ids are listed in docs/diagnose.md'})
    const kube = await this.kube(flags)
    try {
      const [{collectControlPlane, collectPodSnapshot, getPodOrFail}, {buildPodReport, selectPodReport}] = await Promise.all([
        import('../../diagnose/collect-pod.js'),
        import('../../diagnose/pod-report.js'),
      ])
      const namespace = flags.namespace ?? kube.namespace
      const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
      const [pod, cp] = await Promise.all([getPodOrFail(kube, namespace, name), collectControlPlane(kube, flags['linkerd-namespace'])])
      const snapshot = await collectPodSnapshot(kube, pod, cp, flags['linkerd-namespace'], timeoutMs)
      const report = selectPodReport(buildPodReport(snapshot, {defaults: cp.defaults, nowSeconds: Date.now() / 1000}), selection.only, selection.skip)
      if (flags.output === 'json') this.out(jsonDocument(report))
      else {
        const {renderPodReport} = await import('../../output/diagnose-pod.js')
        this.out(renderPodReport(report, this.useColor(flags.color)))
      }
      this.err(`${countsLine(report.counts)}\n`)
      if (report.counts.error > 0) process.exitCode = 1
    } finally {
      await kube.close()
    }
  }
}
