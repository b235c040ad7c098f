import {Flags} from '@oclif/core'

import {NotFoundError, UsageError} from '../../errors.js'
import {runAuthz, type AuthzRequest, type AuthzRun, type DefaultPolicyUse} from '../../metrics/authz-run.js'
import {authzJson} from '../../output/authz-json.js'
import {renderAuthzTable} from '../../output/authz-table.js'
import {jsonDocument} from '../../output/json.js'
import {parseTargets, type Target} from '../../resources/targets.js'
import type {AuthzCarry} from '../../metrics/source.js'
import {sourceFlags, unknownTypeError, VizCommand, windowMs} from '../../viz-command.js'
import {goRound, roundPeriod, scrapeExitCode, scrapeNotes} from '../../watch-rounds.js'

export default class VizAuthz extends VizCommand {
  static override summary = 'Traffic per Server, route and authorization policy of a workload, with the requests its proxies refused.'

  static override description = `Scrapes the workload's meshed pods twice, --window apart (like viz stat), or with --prometheus URL or auto asks a Prometheus with Linkerd viz's own queries, and shows per Server (or default policy), route and authorization what linkerd viz authz shows: UNAUTHORIZED (requests the proxies refused, per second, from inbound_http_authz_deny_total), SUCCESS, RPS and latency of the admitted traffic. Authorization policies that apply to the pods but saw no traffic are listed with "-"; the default policy the proxies apply to ports no Server covers is named on stderr (and in the JSON), with where it comes from: the pod's or namespace's config.linkerd.io/default-inbound-policy annotation, or the cluster default in linkerd-config.

TYPE is one of deploy, sts, ds, job, cronjob, rs, rc, po, ns, rollout, or the kind of a custom owner of your pods; without NAME, every resource of the type in the namespace together. See docs/viz-authz.md.`

  static override examples = [
    '<%= config.bin %> viz authz deploy/web -n emojivoto',
    '<%= config.bin %> viz authz deploy web -n emojivoto -t 30s -o wide',
    '<%= config.bin %> viz authz sts/ledger -n billing -o json',
    '<%= config.bin %> viz authz po -l app=api --watch',
    '<%= config.bin %> viz authz deploy/web -n emojivoto -t 1h --prometheus auto',
  ]

  static override strict = false

  static override usage = 'viz authz TYPE[/NAME] [flags]'

  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace of the resource (default: the context namespace, else default).'}),
    'all-namespaces': Flags.boolean({char: 'A', default: false, description: 'Resources of TYPE in every namespace (adds a NAMESPACE column).'}),
    selector: Flags.string({char: 'l', description: 'Label selector on the resources of TYPE.'}),
    window: Flags.string({aliases: ['time-window'], char: 't', default: '10s', description: 'The window measured: the time between the two scrapes of each proxy (1s or more), or the range of the Prometheus queries (1m, 1h, 1d, …).'}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format (wide adds ALLOWED, the admitted rate, and DENIED, the refused share).', options: ['table', 'wide', 'json'] as const})(),
    watch: Flags.boolean({char: 'w', default: false, description: 'Keep measuring, one window after another (JSON: one document per line).'}),
    'include-admin': Flags.boolean({default: false, description: 'Count the admin-port traffic (these scrapes, kubelet probes) like Linkerd viz does.'}),
    concurrency: Flags.integer({default: 16, description: 'Scrapes in flight at the same time (direct source).', min: 1}),
    ...sourceFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VizAuthz)
    this.jsonLines = flags.watch
    const target = authzTarget(argv as string[])
    const window = windowMs(flags.window)
    this.rejectAllWithNamespace(flags)
    if (flags['all-namespaces'] && target.name !== undefined) {
      throw new UsageError('stats for a resource cannot be retrieved by name across all namespaces', {hint: 'name the namespace with -n instead of -A'})
    }
    const kube = await this.kube(flags)
    try {
      const namespace = this.targetNamespace(flags, kube)
      await this.withSource(kube, flags, {ms: window, text: flags.window}, {concurrency: flags.concurrency}, async (source) => {
        const request: AuthzRequest = {
          controlPlaneNamespace: flags['linkerd-namespace'],
          includeAdmin: flags['include-admin'],
          labelSelector: flags.selector,
          namespace,
          target,
          windowMs: window,
        }
        const render = (run: AuthzRun): string => {
          if (flags.output === 'json') {
            const context = {includeAdmin: flags['include-admin'], source: run.source, target: {kind: target.kind, name: target.name ?? null, namespace: target.kind === 'namespace' ? (target.name ?? null) : (namespace ?? null)}, time: new Date().toISOString()}
            return jsonDocument(authzJson(run, context), {lines: flags.watch})
          }
          if (run.rows.length === 0) return ''
          return renderAuthzTable(run.rows, {allNamespaces: flags['all-namespaces'], honestLatency: flags.verbose, wide: flags.output === 'wide'})
        }
        const json = flags.output === 'json'
        const progress = await this.firstRoundProgress(!json, flags.color)
        request.progress = progress.show
        let previous: AuthzCarry | undefined
        await goRound(this.io(), {
          check: (run) => this.check(run, target, namespace),
          exitCode: (run) => scrapeExitCode(run.podsTargeted, run.podsScraped, run.errors),
          json,
          measure: async () => {
            const run = await progress.round(runAuthz(kube, request, source, previous))
            previous = run.latest
            return run
          },
          notes: (run) => {
            if (json) return scrapeNotes(run)
            const defaults = run.defaults.map((use) => `${defaultPolicyLine(use, flags['linkerd-namespace'])}\n`).join('')
            return scrapeNotes(run, `${defaults}${run.rows.length === 0 ? 'No traffic found.\n' : ''}`)
          },
          periodMs: roundPeriod(source.kind, window),
          render,
          watch: flags.watch,
        })
      })
    } finally {
      await kube.close()
    }
  }

  private check(run: AuthzRun, target: Target, namespace: string | undefined): void {
    if (run.unknownType) throw unknownTypeError(target.kind, {all: false})
    if (run.notFound.length > 0) {
      throw new NotFoundError(run.notFound, {
        hint:
          target.kind === 'namespace'
            ? 'check the name, e.g. with kubectl get namespaces'
            : namespace === undefined
              ? 'check the names, e.g. with kubectl get pods -A'
              : `check the name and the namespace (-n ${namespace}), e.g. with kubectl get all -n ${namespace}`,
      })
    }
  }
}

const SOURCE_TEXT: Record<DefaultPolicyUse['source'], (use: DefaultPolicyUse, controlPlane: string) => string> = {
  chart: () => "Linkerd's chart default",
  cluster: (_use, controlPlane) => `the cluster default, proxy.defaultInboundPolicy in configmap/linkerd-config in ${controlPlane}`,
  namespace: (use) => `config.linkerd.io/default-inbound-policy on namespace ${use.namespace}`,
  pod: (use) => `config.linkerd.io/default-inbound-policy on the pods${use.sameAsNamespace ? ` (as on namespace ${use.namespace})` : ''}`,
}

/** Which default policy the proxies apply where no Server covers a port, and why. */
function defaultPolicyLine(use: DefaultPolicyUse, controlPlane: string): string {
  const ports = use.ports.join(', ')
  return `Default policy ${use.policy} on port${use.ports.length === 1 ? '' : 's'} ${ports} (no Server) of ${use.pods} pod${use.pods === 1 ? '' : 's'} in ${use.namespace}: ${SOURCE_TEXT[use.source](use, controlPlane)}`
}

/** TYPE[/NAME] or TYPE NAME: one resource, or every one of the type together. */
function authzTarget(args: readonly string[]): Target {
  const parsed = parseTargets(args)
  if (!parsed.ok) throw new UsageError(parsed.error, {hint: 'e.g. meshport viz authz deploy/web'})
  if (parsed.all) throw new UsageError('Resource type is not supported: all', {hint: 'name one resource, e.g. deploy/web'})
  const [target, ...rest] = parsed.targets
  if (!target || rest.length > 0) throw new UsageError('viz authz takes one resource, e.g. deploy/web or deploy web', {hint: 'e.g. meshport viz authz deploy/web -n emojivoto'})
  return target
}
