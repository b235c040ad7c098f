import {Args, Flags} from '@oclif/core'

import {ClusterCommand} from '../../cluster-command.js'
import {readManifests} from '../../diagnose/manifest-source.js'
import {findWorkloads} from '../../diagnose/manifest-workloads.js'
import {analyzeManifests, type PortsReport, selectPortsReport} from '../../diagnose/ports-report.js'
import {parseRuleSelection} from '../../diagnose/rules.js'
import {NotFoundError, UsageError} from '../../errors.js'
import type {Path} from '../../inject/types.js'
import {parseTemplatePathFlag} from '../../inject/workloads.js'
import {countsLine} from '../../output/diagnose-problems.js'
import {renderPortsReport} from '../../output/diagnose-ports.js'
import {jsonDocument} from '../../output/json.js'

export default class DiagnosePorts extends ClusterCommand {
  static override description = `Show what the mesh does with every port of every container, and what is wrong with it.

Works on live pods (TARGET: po/NAME, deploy/NAME, any workload type, or a bare type for all of them) or offline on manifests (-f), with the same rules: application ports that collide with the proxy's ports, skip/opaque annotations naming undeclared ports, HTTP ports marked opaque, server-speaks-first ports (MySQL, SMTP, NATS, ...) that are neither opaque nor skipped, opaque-ports used for off-cluster targets. Exit code 1 when a problem of severity error is found.`

  static override examples = [
    '<%= config.bin %> diagnose ports -f deploy/',
    '<%= config.bin %> diagnose ports -f web.yaml -o json',
    '<%= config.bin %> diagnose ports deploy/web -n shop',
    '<%= config.bin %> diagnose ports po -n shop',
  ]

  static override strict = false

  static override args = {
    target: Args.string({description: 'TYPE/NAME or TYPE of the live pods to diagnose.', ignoreStdin: true, required: false}),
  }

  static override flags = {
    filename: Flags.string({char: 'f', description: 'Manifest file, directory or http(s) URL to diagnose offline (repeatable; - for stdin).', multiple: true}),
    'pod-template-path': Flags.string({description: 'With -f: where a custom kind keeps its pod template, KIND=.path (e.g. apps.kruise.io/CloneSet=.spec.template); repeatable.', multiple: true}),
    namespace: Flags.string({char: 'n', description: 'Namespace of the live targets (default: the context namespace, else default).'}),
    'all-namespaces': Flags.boolean({char: 'A', default: false, description: 'Diagnose targets in every namespace.'}),
    selector: Flags.string({char: 'l', description: 'Label selector for the live pods.'}),
    only: Flags.string({description: 'Report only these rule ids or groups (e.g. ports, mesh.not-annotated; comma-separated or repeated).', multiple: true}),
    skip: Flags.string({description: 'Do not report these rule ids or groups.', multiple: true}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'json'] as const})(),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(DiagnosePorts)
    const targets = argv as string[]
    const selection = parseRuleSelection(flags.only, flags.skip)
    if ('error' in selection) throw new UsageError(selection.error, {hint: 'rule ids are listed in docs/diagnose.md'})
    let report: PortsReport
    if (flags.filename && flags.filename.length > 0) {
      if (targets.length > 0) throw new UsageError('give either TARGETs (live pods) or -f FILE (manifests), not both')
      const customPaths = new Map<string, Path>()
      for (const value of flags['pod-template-path'] ?? []) {
        const parsed = parseTemplatePathFlag(value)
        if (!parsed) throw new UsageError(`invalid --pod-template-path "${value}"`, {hint: 'use KIND=.path.to.template, e.g. argoproj.io/Rollout=.spec.template'})
        customPaths.set(...parsed)
      }
      const docs = await readManifests(flags.filename)
      report = analyzeManifests(findWorkloads(docs, customPaths))
      if (report.targets.length === 0) this.err('No workloads with a pod template found in the input.\n')
    } else {
      this.rejectAllWithNamespace(flags)
      const kube = await this.kube(flags)
      try {
        const {livePorts} = await import('../../diagnose/live-ports.js')
        const namespace = this.targetNamespace(flags, kube)
        const result = await livePorts(kube, {namespace, labelSelector: flags.selector, targets}, flags['linkerd-namespace'])
        if (result.missing.length > 0) {
          throw new NotFoundError(result.missing.map((m) => (namespace === undefined ? m : `${m} in namespace ${namespace}`)), {hint: 'check the name and the namespace (-n), e.g. with kubectl get pods'})
        }
        report = result.report
        if (report.targets.length === 0) this.err(`No pods found in ${namespace === undefined ? 'any namespace' : `namespace ${namespace}`}.\n`)
      } finally {
        await kube.close()
      }
    }
    report = selectPortsReport(report, selection.only, selection.skip)
    if (flags.output === 'json') this.outData(jsonDocument(report))
    else this.out(renderPortsReport(report, this.useColor(flags.color)))
    this.err(`${countsLine(report.counts)}\n`)
    if (report.counts.error > 0) process.exitCode = 1
  }
}
