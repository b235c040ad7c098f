// linkerd-config: the objects an install creates exist: namespace, RBAC, service accounts, CRDs
// and admission webhooks. Names and label selectors as in linkerd2's healthcheck.
import {LABEL} from '../../mesh/names.js'
import type {CheckContext} from '../context.js'
import {clusterRbacNames, crdProblems, linkerdValues, LINKERD_CONFIG, serviceAccountNames, webhookNames} from '../linkerd.js'
import {fail, pass, type Category} from '../types.js'

const missingText = (kind: string, missing: readonly string[]) => `missing ${kind}: ${missing.join(', ')}`

function missingNames(found: ReadonlyArray<{metadata?: {name?: string | undefined} | undefined}>, expected: readonly string[]): string[] {
  const names = new Set(found.map((o) => o.metadata?.name))
  return expected.filter((name) => !names.has(name))
}

export const linkerdConfig: Category<CheckContext> = {
  id: 'linkerd-config',
  name: 'linkerd-config',
  checks: [
    {
      id: 'namespace-exists',
      description: 'control plane Namespace exists',
      severity: 'error',
      fatal: true,
      hint: 'l5d-existence-ns',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const found = await scope.waitFor(`namespace/${ns}`, ctx.snapshot.namespace(ns))
        return found ? pass() : fail(`The "${ns}" namespace does not exist`)
      },
    },
    {
      id: 'cluster-roles-exist',
      description: 'control plane ClusterRoles exist',
      severity: 'error',
      hint: 'l5d-existence-cr',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const roles = await scope.waitFor('clusterroles', ctx.snapshot.clusterRoles(`${LABEL.controlPlaneNamespace}=${ns}`))
        const missing = missingNames(roles, clusterRbacNames(ns))
        return missing.length === 0 ? pass() : fail(missingText('ClusterRoles', missing))
      },
    },
    {
      id: 'cluster-role-bindings-exist',
      description: 'control plane ClusterRoleBindings exist',
      severity: 'error',
      hint: 'l5d-existence-crb',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const bindings = await scope.waitFor('clusterrolebindings', ctx.snapshot.clusterRoleBindings(`${LABEL.controlPlaneNamespace}=${ns}`))
        const missing = missingNames(bindings, clusterRbacNames(ns))
        return missing.length === 0 ? pass() : fail(missingText('ClusterRoleBindings', missing))
      },
    },
    {
      id: 'service-accounts-exist',
      description: 'control plane ServiceAccounts exist',
      severity: 'error',
      hint: 'l5d-existence-sa',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const accounts = await scope.waitFor(`serviceaccounts in ${ns}`, ctx.snapshot.serviceAccounts(ns))
        const missing = missingNames(accounts, serviceAccountNames)
        return missing.length === 0 ? pass() : fail(missingText(`ServiceAccounts in ${ns}`, missing))
      },
    },
    {
      id: 'crds-exist',
      description: 'control plane CustomResourceDefinitions exist',
      severity: 'error',
      hint: 'l5d-existence-crd',
      async run(ctx, scope) {
        const crds = await scope.waitFor('customresourcedefinitions', ctx.snapshot.crds())
        const problems = crdProblems(crds, false)
        return problems.length === 0 ? pass() : fail(problems.join('\n'))
      },
    },
    {
      id: 'mutating-webhooks-exist',
      description: 'control plane MutatingWebhookConfigurations exist',
      severity: 'error',
      hint: 'l5d-existence-mwc',
      async run(ctx, scope) {
        const hooks = await scope.waitFor('mutatingwebhookconfigurations', ctx.snapshot.mutatingWebhooks())
        const missing = missingNames(hooks, [webhookNames.proxyInjector])
        return missing.length === 0 ? pass() : fail(missingText('MutatingWebhookConfigurations', missing))
      },
    },
    {
      id: 'validating-webhooks-exist',
      description: 'control plane ValidatingWebhookConfigurations exist',
      severity: 'error',
      hint: 'l5d-existence-vwc',
      async run(ctx, scope) {
        const hooks = await scope.waitFor('validatingwebhookconfigurations', ctx.snapshot.validatingWebhooks())
        const missing = missingNames(hooks, [webhookNames.spValidator])
        return missing.length === 0 ? pass() : fail(missingText('ValidatingWebhookConfigurations', missing))
      },
    },
    {
      id: 'proxy-init-run-as-root',
      description: 'proxy-init container runs as root user if docker container runtime is used',
      severity: 'error',
      hint: 'l5d-proxy-init-run-as-root',
      async run(ctx, scope) {
        const ns = ctx.settings.controlPlaneNamespace
        const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
        if ((values.raw.proxyInit as {runAsRoot?: unknown} | undefined)?.runAsRoot === true) return pass()
        // Docker's runtime needs root to set up iptables in the pod's network namespace.
        const docker = (await scope.waitFor('nodes', ctx.snapshot.nodes())).filter((n) => n.status?.nodeInfo?.containerRuntimeVersion.startsWith('docker:')).map((n) => `node/${n.metadata?.name ?? '?'}`)
        if (docker.length === 0) return pass()
        return fail(`there are nodes using the docker container runtime and proxy-init container must run as root user (${docker.join(', ')}).\ntry installing linkerd via --set proxyInit.runAsRoot=true`)
      },
    },
  ],
}
