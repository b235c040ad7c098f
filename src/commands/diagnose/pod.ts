import {Args, Flags} from '@oclif/core'

import {ClusterCommand, scrapeViaFlag} from '../../cluster-command.js'
import {parseRuleSelection} from '../../diagnose/rules.js'
import {NotFoundError, UsageError} from '../../errors.js'
import type {KubeClient} from '../../kube/types.js'
import {countsLine} from '../../output/diagnose-problems.js'
import {jsonDocument} from '../../output/json.js'

export default class DiagnosePod extends ClusterCommand {
  static override description = `Explain one pod: why it is or is not meshed, proxy health, version and mTLS status.

Reads the pod, its namespace and owner, the proxy injector's webhook and pods, and (for a running meshed pod) the proxy's /ready, /live and /metrics on its admin port (through the API server's pods/proxy, or a port-forward: --scrape-via). Reports each problem with a rule id and a one-line fix; exit code 1 when a problem of severity error is found.`

  static override examples = [
    '<%= config.bin %> diagnose pod web-7d9f8 -n shop',
    '<%= config.bin %> diagnose pod po/web-7d9f8 -n shop -o json',
    {command: '<%= config.bin %> diagnose pod deploy/web -n shop', description: 'One pod of a workload, the one kubectl logs deploy/web would pick'},
  ]

  static override args = {
    pod: Args.string({description: 'Pod name (or po/NAME), or TYPE/NAME of a workload to diagnose one of its pods (e.g. deploy/web).', ignoreStdin: true, required: true}),
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
    const selection = parseRuleSelection(flags.only, flags.skip)
    if ('error' in selection) throw new UsageError(selection.error, {hint: 'rule ids are listed in docs/diagnose.md'})
    const kube = await this.kube(flags)
    try {
      const [{collectControlPlane, collectPodSnapshot, getPodOrFail}, {buildPodReport, podReportTimedOut, selectPodReport}] = await Promise.all([
        import('../../diagnose/collect-pod.js'),
        import('../../diagnose/pod-report.js'),
      ])
      const namespace = flags.namespace ?? kube.namespace
      const timeoutMs = this.kubeOptions(flags).requestTimeoutMs
      const name = await this.podName(kube, namespace, args.pod)
      const [pod, cp] = await Promise.all([getPodOrFail(kube, namespace, name), collectControlPlane(kube, flags['linkerd-namespace'])])
      const snapshot = await collectPodSnapshot(kube, pod, cp, flags['linkerd-namespace'], timeoutMs)
      const report = selectPodReport(buildPodReport(snapshot, {defaults: cp.defaults, nowSeconds: Date.now() / 1000}), selection.only, selection.skip)
      if (flags.output === 'json') this.outData(jsonDocument(report))
      else {
        const {renderPodReport} = await import('../../output/diagnose-pod.js')
        const width = process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined
        this.out(renderPodReport(report, {color: this.useColor(flags.color), width}))
      }
      this.err(`${countsLine(report.counts)}\n`)
      if (report.counts.error > 0) process.exitCode = 1
      else if (podReportTimedOut(report)) process.exitCode = 4
    } finally {
      await kube.close()
    }
  }

  /** NAME and po/NAME are a pod; deploy/web and other TYPE/NAME one of the workload's pods, as kubectl logs picks it. */
  private async podName(kube: KubeClient, namespace: string, arg: string): Promise<string> {
    const pod = /^(?:(?:po|pod|pods)\/)?([^/]+)$/.exec(arg)?.[1]
    if (pod !== undefined) return pod
    const {pickPod, resolvePods} = await import('../../diagnose/resolve-pods.js')
    const {pods, missing} = await resolvePods(kube, {namespace, targets: [arg]})
    if (missing.length > 0) throw new NotFoundError(missing.map((m) => `${m} in namespace ${namespace}`), {hint: `check the name and the namespace (-n ${namespace})`})
    const chosen = pickPod(pods)?.metadata?.name
    if (chosen === undefined) throw new NotFoundError([`a pod of ${arg} in namespace ${namespace}`], {hint: `it has no pods: kubectl get ${arg} -n ${namespace}`})
    if (pods.length > 1) this.err(`Found ${pods.length} pods, using pod/${chosen}\n`)
    return chosen
  }
}
