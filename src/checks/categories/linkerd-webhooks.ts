// linkerd-webhooks-and-apisvc-tls: each admission webhook serves a certificate that is valid now,
// whose private key is its own, that names its service (`linkerd-<component>.<ns>.svc`) and chains
// to the webhook's caBundle (itself valid now), and neither is about to expire. Secrets
// `linkerd-<component>-k8s-tls` (`tls.crt`/`tls.key`, or the older `-tls` with `crt.pem`/`key.pem`),
// as Linkerd reads them.
import type {X509Certificate} from 'node:crypto'

import type {CheckContext} from '../context.js'
import {webhookNames} from '../linkerd.js'
import {parseCaBundle, servedCert, servedCertExpiry, servedCertProblems, tlsSecrets, type Served} from '../served-cert.js'
import {DEFAULT_CERT_EXPIRY_THRESHOLD_MS, wordDuration} from '../threshold.js'
import {fail, pass, skip, type Category, type Check, type CheckScope} from '../types.js'

interface Webhook {
  component: 'policy-validator' | 'proxy-injector' | 'sp-validator'
  config: string
  mutating: boolean
  /** Linkerd skips the policy validator when it is not installed. */
  optional: boolean
}

const WEBHOOKS: readonly Webhook[] = [
  {component: 'proxy-injector', config: webhookNames.proxyInjector, mutating: true, optional: false},
  {component: 'sp-validator', config: webhookNames.spValidator, mutating: false, optional: false},
  {component: 'policy-validator', config: webhookNames.policyValidator, mutating: false, optional: true},
]

const servingCert = (ctx: CheckContext, scope: CheckScope, hook: Webhook): Promise<Served | undefined> =>
  servedCert(ctx, scope, ctx.settings.controlPlaneNamespace, tlsSecrets(`linkerd-${hook.component}-k8s-tls`, `linkerd-${hook.component}-tls`))

async function caBundle(ctx: CheckContext, scope: CheckScope, hook: Webhook): Promise<X509Certificate[] | string> {
  const configs = hook.mutating
    ? await scope.waitFor('mutatingwebhookconfigurations', ctx.snapshot.mutatingWebhooks())
    : await scope.waitFor('validatingwebhookconfigurations', ctx.snapshot.validatingWebhooks())
  const config = configs.find((c) => c.metadata?.name === hook.config)
  if (!config) return `${hook.mutating ? 'mutating' : 'validating'}webhookconfiguration/${hook.config} not found`
  return parseCaBundle(config.webhooks?.[0]?.clientConfig.caBundle, hook.config)
}

function validCert(hook: Webhook): Check<CheckContext> {
  return {
    id: `${hook.component}-cert-valid`,
    description: `${hook.component} webhook has valid cert`,
    severity: 'error',
    hint: `l5d-${hook.component}-webhook-cert-valid`,
    async run(ctx, scope) {
      const served = await servingCert(ctx, scope, hook)
      if (!served) {
        if (hook.optional) return skip(`the ${hook.component} is not installed`)
        return fail(`secret/linkerd-${hook.component}-k8s-tls in ${ctx.settings.controlPlaneNamespace} not found`)
      }
      const host = `linkerd-${hook.component}.${ctx.settings.controlPlaneNamespace}.svc`
      const problems = servedCertProblems(served, host, await caBundle(ctx, scope, hook), hook.config, ctx.settings.now())
      return problems.length === 0 ? pass() : fail(`${served.source}: ${problems.join('\n')}`)
    },
  }
}

function notExpiring(hook: Webhook, validFor: string): Check<CheckContext> {
  return {
    id: `${hook.component}-cert-not-expiring`,
    description: `${hook.component} cert is valid for at least ${validFor}`,
    severity: 'warning',
    hint: `l5d-${hook.component}-webhook-cert-not-expiring-soon`,
    async run(ctx, scope) {
      const served = await servingCert(ctx, scope, hook)
      if (!served) return skip(`secret/linkerd-${hook.component}-k8s-tls not found`)
      const problems = servedCertExpiry(ctx, served, await caBundle(ctx, scope, hook), hook.config)
      return problems.length === 0 ? pass() : fail(problems.join('\n'))
    },
  }
}

export const linkerdWebhooks = (validFor = wordDuration(DEFAULT_CERT_EXPIRY_THRESHOLD_MS)): Category<CheckContext> => ({
  id: 'linkerd-webhooks-and-apisvc-tls',
  name: 'linkerd-webhooks-and-apisvc-tls',
  checks: WEBHOOKS.flatMap((hook) => [validCert(hook), notExpiring(hook, validFor)]),
})
