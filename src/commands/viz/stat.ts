import {Flags} from '@oclif/core'

import {NotFoundError, UsageError} from '../../errors.js'
import type {StatCarry} from '../../metrics/source.js'
import {runStat, type PeerTarget, type StatRequest, type StatRun} from '../../metrics/stat-run.js'
import {jsonDocument} from '../../output/json.js'
import {statJson} from '../../output/stat-json.js'
import {renderStatTable} from '../../output/stat-table.js'
import {SERVICE_ALIASES} from '../../resources/kinds.js'
import {parseTargets, type Target} from '../../resources/targets.js'
import {sourceFlags, unknownTypeError, VizCommand, windowMs} from '../../viz-command.js'
import {goRound, roundPeriod, scrapeExitCode, scrapeNotes} from '../../watch-rounds.js'

export default class VizStat extends VizCommand {
  static override summary = 'Golden signals (success, RPS, latency, TCP) per workload, from the proxies themselves or a Prometheus.'

  static override description = `By default scrapes each meshed pod's proxy admin endpoint (/metrics on the linkerd-admin port) twice, --window apart, through the API server (pods/proxy over one HTTP/2 connection, or a port-forward per pod: --scrape-via), and computes what \`linkerd viz stat\` shows without the viz extension or Prometheus. With --prometheus URL or auto (Linkerd viz's Prometheus), the same rows come from Linkerd viz's own queries instead, at once for any window Prometheus holds; windows over 1m use viz's Prometheus when it is installed.

TYPE is one of deploy, sts, ds, job, cronjob, rs, rc, po, ns, rollout (short, singular or plural), any custom owner kind of your pods (e.g. clonesets), or all. Pods are grouped by their owner chain (Pod → ReplicaSet → Deployment, Job → CronJob, custom owners).

Inbound traffic of the target's pods is measured by default; --to measures the target's outbound traffic to a resource (dst_* labels), --from the target's inbound traffic whose mTLS client is that resource (client_id label). The scrapes' own admin-port traffic is excluded unless --include-admin. See docs/viz-stat.md for how every column is computed.`

  static override examples = [
    '<%= config.bin %> viz stat deploy -n emojivoto',
    '<%= config.bin %> viz stat deploy/web -n emojivoto -t 30s -o wide',
    '<%= config.bin %> viz stat deploy/web --to deploy/voting -n emojivoto',
    '<%= config.bin %> viz stat all -A -o json',
    '<%= config.bin %> viz stat po -l app=web-svc -n emojivoto --watch',
    '<%= config.bin %> viz stat deploy -A -t 1h --prometheus auto',
    "<%= config.bin %> viz stat deploy -n emojivoto --prometheus https://mimir.example.com/prometheus --prometheus-header 'X-Scope-OrgID: team-a'",
  ]

  static override strict = false

  static override usage = 'viz stat TYPE[/NAME] [NAME...] [flags]'

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace of the resources (default: the context namespace, else default).'}),
    'all-namespaces': Flags.boolean({char: 'A', default: false, description: 'Resources in every namespace (adds a NAMESPACE column).'}),
    selector: Flags.string({char: 'l', description: 'Label selector on the listed resources (=, ==, !=, in, notin, exists).'}),
    window: Flags.string({aliases: ['time-window'], char: 't', default: '10s', description: 'The window measured: the time between the two scrapes of each proxy (1s or more), or the range of the Prometheus queries (1m, 1h, 1d, …).'}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'wide', 'json'] as const})(),
    watch: Flags.boolean({char: 'w', default: false, description: 'Keep measuring, one window after another (JSON: one document per line).'}),
    to: Flags.string({description: 'Only traffic from the target to this resource (TYPE/NAME, also svc/NAME), from the target\'s outbound metrics.', exclusive: ['from']}),
    'to-namespace': Flags.string({description: 'Namespace of the --to resource (default: the target namespace).'}),
    from: Flags.string({description: 'Only traffic that reaches the target from this resource (TYPE/NAME), by mTLS client identity.', exclusive: ['to']}),
    'from-namespace': Flags.string({description: 'Namespace of the --from resource (default: the target namespace).'}),
    'include-admin': Flags.boolean({default: false, description: 'Count the admin-port traffic (these scrapes, kubelet probes) like Linkerd viz does.'}),
    unmeshed: Flags.boolean({default: false, description: 'Also list resources none of whose pods is meshed (MESHED 0/N, no metrics).'}),
    concurrency: Flags.integer({default: 16, description: 'Scrapes in flight at the same time (direct source).', min: 1}),
    ...sourceFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VizStat)
    this.jsonLines = flags.watch
    const parsed = parseTargets(argv as string[])
    if (!parsed.ok) throw new UsageError(parsed.error, {hint: 'e.g. meshport viz stat deploy, deploy/web, deploy web vote, or all'})
    if (parsed.targets.some((t) => SERVICE_ALIASES.includes(t.kind))) {
      throw new UsageError('services have no pods of their own to measure', {hint: 'measure the traffic their clients send them: viz stat deploy --to svc/NAME'})
    }
    const window = windowMs(flags.window)
    this.rejectAllWithNamespace(flags)
    if (flags['all-namespaces'] && parsed.targets.some((t) => t.name !== undefined)) {
      throw new UsageError('stats for a resource cannot be retrieved by name across all namespaces', {hint: 'name the namespace with -n instead of -A'})
    }
    const kube = await this.kube(flags)
    try {
      const namespace = this.targetNamespace(flags, kube)
      const peerNs = namespace ?? kube.namespace
      await this.withSource(kube, flags, {ms: window, text: flags.window}, {concurrency: flags.concurrency}, async (source) => {
        const request: StatRequest = {
          controlPlaneNamespace: flags['linkerd-namespace'],
          from: flags.from === undefined ? undefined : peer('--from', flags.from, flags['from-namespace'] ?? peerNs),
          includeAdmin: flags['include-admin'],
          labelSelector: flags.selector,
          namespace,
          selection: parsed,
          to: flags.to === undefined ? undefined : peer('--to', flags.to, flags['to-namespace'] ?? peerNs),
          unmeshed: flags.unmeshed,
          windowMs: window,
        }
        const render = (run: StatRun, watching: boolean): string => {
          const context = {
            direction: run.direction,
            includeAdmin: flags['include-admin'],
            source: run.source,
            time: new Date().toISOString(),
            ...(flags.to ? {to: flags.to} : {}),
            ...(flags.from ? {from: flags.from} : {}),
          }
          if (flags.output === 'json') return jsonDocument(statJson(run.report, context), {lines: watching})
          if (run.report.rows.length === 0) return ''
          return renderStatTable(run.report.rows, {
            allNamespaces: flags['all-namespaces'],
            honestLatency: flags.verbose,
            maxWidth: process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined,
            wide: flags.output === 'wide',
          })
        }

        const progress = await this.firstRoundProgress(flags.output !== 'json', flags.color)
        request.progress = progress.show
        let previous: StatCarry | undefined
        await goRound(this.io(), {
          check: (run) => this.check(run, namespace),
          // Nothing measured: exit 4 when every scrape stalled (the numbers are unknown), else 1.
          exitCode: (run) => scrapeExitCode(run.report.podsTargeted, run.report.podsScraped, run.report.errors),
          json: flags.output === 'json',
          measure: async () => {
            const run = await progress.round(runStat(kube, request, source, previous))
            previous = run.latest
            return run
          },
          notes: (run) => scrapeNotes({...run.report, source: run.source, warnings: run.warnings}, run.report.rows.length === 0 && flags.output !== 'json' ? 'No traffic found.\n' : ''),
          periodMs: roundPeriod(source.kind, window),
          render: (run) => render(run, flags.watch),
          watch: flags.watch,
        })
      })
    } finally {
      await kube.close()
    }
  }

  private check(run: StatRun, namespace: string | undefined): void {
    if (run.unknownTypes.length > 0) throw unknownTypeError(run.unknownTypes[0] as string, {all: true})
    if (run.notFound.length > 0) {
      throw new NotFoundError(run.notFound, {
        hint: namespace === undefined ? 'check the names, e.g. with kubectl get pods -A' : `check the name and the namespace (-n ${namespace}), e.g. with kubectl get all -n ${namespace}`,
      })
    }
  }
}

function peer(flag: string, value: string, namespace: string): PeerTarget {
  const [type = '', name] = value.split('/')
  if (SERVICE_ALIASES.includes(type.toLowerCase())) {
    // Linkerd takes no service in --from: a service has no identity of its own to be a client.
    if (flag === '--from') throw new UsageError('--from takes no service: a service is no client of its own', {hint: 'name the workload behind it, e.g. --from deploy/web'})
    if (!name || value.split('/').length !== 2) throw new UsageError(`invalid ${flag} "${value}": expected svc/NAME`)
    return {namespace, target: {custom: false, kind: 'service', name}}
  }
  const parsed = parseTargets([value])
  const target: Target | undefined = parsed.ok ? parsed.targets[0] : undefined
  if (!parsed.ok || !target || parsed.targets.length !== 1 || target.name === undefined) {
    throw new UsageError(`invalid ${flag} "${value}": expected TYPE/NAME, e.g. deploy/web or ns/shop`)
  }
  return {namespace, target}
}
