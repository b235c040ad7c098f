// linkerd-data-plane-ports (`check --proxy`): port health of every meshed pod, judged by the one
// port-rules implementation (src/ports, shared with `diagnose ports`): application ports that
// collide with the proxy's ports, skip/opaque annotations naming ports nothing listens on, and
// opaque ports that serve HTTP.
import type {V1Pod} from '../../kube/types.js'
import {analyzePorts, describeSubject, meshDefaultsFromValues, PORT_RULE_LIST, PORT_RULES, type Problem} from '../../ports/index.js'
import type {CheckContext} from '../context.js'
import {linkerdValues} from '../linkerd.js'
import {listProblems} from '../pods.js'
import {fail, pass, type Category, type Check, type CheckScope} from '../types.js'
import {dataPlanePods} from './data-plane.js'

/** Port problems of every data-plane pod, computed once per snapshot and shared by the checks. */
function portProblems(ctx: CheckContext, scope: CheckScope): Promise<Problem[]> {
  return ctx.snapshot.shared('port-problems', async () => {
    const ns = ctx.settings.controlPlaneNamespace
    const [pods, namespaces, values] = await Promise.all([
      dataPlanePods(ctx, scope),
      scope.waitFor('namespaces', ctx.snapshot.namespaces()),
      linkerdValues(ctx.snapshot, ns).catch(() => undefined),
    ])
    const annotations = new Map(namespaces.map((n) => [n.metadata?.name, n.metadata?.annotations ?? {}]))
    const defaults = values ? meshDefaultsFromValues(values.raw) : {}
    return pods.flatMap((pod: V1Pod) => analyzePorts(pod, {namespaceAnnotations: annotations.get(pod.metadata?.namespace), defaults}).problems)
  })
}

function describe(problem: Problem): string {
  return `${describeSubject(problem.subject)}: ${problem.message}\n\t  fix: ${problem.fix}`
}

function portCheck(id: string, description: string, rules: readonly string[], hint: string): Check<CheckContext> {
  // The check's own severity is the worst of its rules; each failure takes the worst it found.
  const severity = PORT_RULE_LIST.some((r) => rules.includes(r.id) && r.severity === 'error') ? 'error' : 'warning'
  return {
    id,
    description,
    severity,
    hint,
    async run(ctx, scope) {
      const found = (await portProblems(ctx, scope)).filter((p) => rules.includes(p.rule))
      if (found.length === 0) return pass()
      return fail(listProblems(`${found.length} port problem${found.length === 1 ? '' : 's'}:`, found.map(describe)), found.some((p) => p.severity === 'error') ? 'error' : 'warning')
    },
  }
}

export const dataPlanePorts: Category<CheckContext> = {
  id: 'data-plane-ports',
  name: 'linkerd-data-plane-ports',
  aliases: ['linkerd-data-plane-ports'],
  checks: [
    portCheck('no-proxy-port-conflicts', 'application ports do not collide with proxy ports', [PORT_RULES.proxyPortConflict.id, PORT_RULES.proxyPortsOverlap.id], 'https://linkerd.io/2/reference/proxy-configuration/'),
    portCheck('annotated-ports-declared', 'skip and opaque port annotations name declared ports', [PORT_RULES.annotationPortUndeclared.id, PORT_RULES.annotationNameUnresolved.id, PORT_RULES.annotationInvalid.id], 'https://linkerd.io/2/features/protocol-detection/'),
    portCheck('opaque-ports-not-http', 'opaque ports do not serve HTTP', [PORT_RULES.opaqueHttp.id], 'https://linkerd.io/2/features/protocol-detection/'),
    portCheck('server-speaks-first-ports-opaque', 'server-speaks-first ports are opaque or skipped', [PORT_RULES.serverSpeaksFirst.id], 'https://linkerd.io/2/features/protocol-detection/'),
  ],
}
