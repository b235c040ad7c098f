import {Flags} from '@oclif/core'

import {NotFoundError, UsageError} from '../../errors.js'
import {runEdges, type EdgesRequest, type EdgesRun} from '../../metrics/edges-run.js'
import {colorEnabled} from '../../output/color.js'
import {edgesJson} from '../../output/edges-json.js'
import {renderEdgesTable} from '../../output/edges-table.js'
import {jsonDocument} from '../../output/json.js'
import {kindByAlias} from '../../resources/kinds.js'
import {parseTargets} from '../../resources/targets.js'
import {parseDuration} from '../../util/duration.js'
import {sourceFlags, unknownTypeError, VizCommand} from '../../viz-command.js'
import {goRound, scrapeExitCode, scrapeNotes} from '../../watch-rounds.js'

export default class VizEdges extends VizCommand {
  static override summary = 'Connections between workloads, and whether each is mTLS with identities, from the proxies themselves or a Prometheus.'

  static override description = `Reads each meshed pod's open-connection gauges (tcp_open_connections on the linkerd-admin port; one scrape per pod, no window, through the API server as --scrape-via says), or with --prometheus URL or auto the same gauges from a Prometheus that scrapes the proxies, and shows one row per pair of resources of TYPE that hold connections: the source, the destination, and SECURED (√, or × and why there is no mTLS). Clients report their edges from their outbound series (destination labels and the server's identity); servers' inbound series add clients that cannot report, among them unmeshed ones, shown as source "unmeshed".

TYPE is one of deploy, sts, ds, job, cronjob, rs, rc, po, ns, rollout (short, singular or plural), or the kind of a custom owner of your pods. With -n, edges that start or end in the namespace; its servers' clients elsewhere are scraped too. See docs/viz-edges.md for how each column is computed and where meshport differs from linkerd viz edges.`

  static override examples = [
    '<%= config.bin %> viz edges deploy -n emojivoto',
    '<%= config.bin %> viz edges po -A -o wide',
    '<%= config.bin %> viz edges deploy -n shop -o json',
    '<%= config.bin %> viz edges sts -l tier=db --watch',
    '<%= config.bin %> viz edges deploy -A --prometheus auto',
  ]

  static override strict = false

  static override usage = 'viz edges TYPE [flags]'

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Edges that start or end in this namespace (default: the context namespace, else default).'}),
    'all-namespaces': Flags.boolean({char: 'A', default: false, description: 'Edges in every namespace.'}),
    selector: Flags.string({char: 'l', description: 'Label selector on the resources of TYPE: edges that start or end at a selected one.'}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format (wide adds CLIENT_ID, SERVER_ID and TCP_CONN).', options: ['table', 'wide', 'json'] as const})(),
    watch: Flags.boolean({char: 'w', default: false, description: 'Keep scraping, every --interval (JSON: one document per line).'}),
    interval: Flags.string({default: '5s', description: 'Time between two looks with --watch.'}),
    concurrency: Flags.integer({default: 16, description: 'Scrapes in flight at the same time (direct source).', min: 1}),
    ...sourceFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VizEdges)
    this.jsonLines = flags.watch
    const type = edgeType(argv as string[])
    const intervalMs = parseDuration(flags.interval)
    if (intervalMs === undefined || intervalMs < 1000) throw new UsageError(`invalid --interval "${flags.interval}": it must be a duration of at least 1s`, {hint: 'e.g. --interval 5s'})
    this.rejectAllWithNamespace(flags)
    const kube = await this.kube(flags)
    try {
      const namespace = this.targetNamespace(flags, kube)
      // Gauges need no window: the default source is the proxies unless --prometheus says otherwise.
      await this.withSource(kube, flags, {ms: 0, text: '0s'}, {concurrency: flags.concurrency}, async (source) => {
        const request: EdgesRequest = {
          controlPlaneNamespace: flags['linkerd-namespace'],
          labelSelector: flags.selector,
          namespace,
          type,
        }
        const color = colorEnabled(flags.color)
        const json = flags.output === 'json'
        const render = (run: EdgesRun): string => {
          if (json) {
            const pods = {failed: run.errors.length, scraped: run.podsScraped, targeted: run.podsTargeted}
            return jsonDocument(edgesJson(run.edges, {errors: run.errors, namespace, pods, source: run.source, time: new Date().toISOString(), type: type.kind}), {lines: flags.watch})
          }
          return run.edges.length === 0 ? '' : renderEdgesTable(run.edges, {color, wide: flags.output === 'wide'})
        }
        const progress = await this.firstRoundProgress(!json, flags.color)
        request.progress = progress.show
        await goRound(this.io(), {
          check: (run) => this.check(run, type, namespace),
          exitCode: (run) => scrapeExitCode(run.podsTargeted, run.podsScraped, run.errors),
          json,
          measure: () => progress.round(runEdges(kube, request, source)),
          notes: (run) => scrapeNotes(run, run.edges.length === 0 && !json ? 'No edges found.\n' : ''),
          periodMs: intervalMs,
          render,
          watch: flags.watch,
        })
      })
    } finally {
      await kube.close()
    }
  }

  private check(run: EdgesRun, type: {kind: string}, namespace: string | undefined): void {
    if (run.unknownType) throw unknownTypeError(type.kind, {all: false})
    if (run.notFound.length > 0) throw new NotFoundError(run.notFound, {hint: `check the namespace (-n ${namespace ?? ''}), e.g. with kubectl get namespaces`})
  }
}

/** TYPE alone, as linkerd viz edges takes it: no name, not `all`. */
function edgeType(args: readonly string[]): {kind: string; custom: boolean} {
  if (args.length !== 1) throw new UsageError(args.length === 0 ? 'a resource type is required, e.g. deploy or po' : 'viz edges takes exactly one resource type', {hint: 'e.g. meshport viz edges deploy -n emojivoto'})
  const parsed = parseTargets(args)
  if (!parsed.ok) throw new UsageError(parsed.error, {hint: 'e.g. meshport viz edges deploy'})
  if (parsed.all) throw new UsageError('Resource type is not supported: all', {hint: 'name one type, e.g. deploy or po'})
  const [target] = parsed.targets
  if (!target) throw new UsageError('a resource type is required, e.g. deploy or po')
  if (target.name !== undefined) throw new UsageError(`Edges cannot be returned for a specific resource name; remove ${target.name} from query`, {hint: `meshport viz edges ${kindByAlias(target.kind)?.short ?? target.kind} shows every edge of that type`})
  return {custom: target.custom, kind: target.kind}
}
