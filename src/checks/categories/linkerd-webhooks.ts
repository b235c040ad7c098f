// linkerd-webhooks-and-apisvc-tls: each admission webhook serves a certificate that is valid now,
// whose private key is its own, that names its service (`linkerd-<component>.<ns>.svc`) and chains
// to the webhook's caBundle (itself valid now), and neither is about to expire. Secrets
// `linkerd-<component>-k8s-tls` (`tls.crt`/`tls.key`, or the older `-tls` with `crt.pem`/`key.pem`),
// as Linkerd reads them.
import type {X509Certificate} from 'node:crypto'

import type {CheckContext} from '../context.js'
import {secretText, webhookNames} from '../linkerd.js'
import {DEFAULT_CERT_EXPIRY_THRESHOLD_MS, wordDuration} from '../threshold.js'
import {fail, pass, skip, type Category, type Check, type CheckScope} from '../types.js'
import {certName, chainProblem, expiryProblem, keyProblem, parsePemBundle, validityProblem} from '../x509.js'

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

interface Served {
  cert: X509Certificate
  /** Certificates after the serving one in the secret. */
  chain: X509Certificate[]
  keyPem: string | undefined
  keyName: string
  source: string
}

/** The serving certificate, or undefined when neither secret exists. */
async function servingCert(ctx: CheckContext, scope: CheckScope, hook: Webhook): Promise<Served | undefined> {
  const ns = ctx.settings.controlPlaneNamespace
  for (const [name, key, keyName] of [[`linkerd-${hook.component}-k8s-tls`, 'tls.crt', 'tls.key'], [`linkerd-${hook.component}-tls`, 'crt.pem', 'key.pem']] as const) {
    const secret = await scope.waitFor(`secret/${name} in ${ns}`, ctx.snapshot.secret(ns, name))
    if (!secret) continue
    const pem = secretText(secret, key)
    if (!pem) throw new Error(`secret/${name} in ${ns} has no ${key}`)
    const [cert, ...chain] = parsePemBundle(pem)
    return {cert: cert as X509Certificate, chain, keyPem: secretText(secret, keyName), keyName, source: `secret/${name} in ${ns}`}
  }
  return undefined
}

async function caBundle(ctx: CheckContext, scope: CheckScope, hook: Webhook): Promise<X509Certificate[] | string> {
  const configs = hook.mutating
    ? await scope.waitFor('mutatingwebhookconfigurations', ctx.snapshot.mutatingWebhooks())
    : await scope.waitFor('validatingwebhookconfigurations', ctx.snapshot.validatingWebhooks())
  const config = configs.find((c) => c.metadata?.name === hook.config)
  if (!config) return `${hook.mutating ? 'mutating' : 'validating'}webhookconfiguration/${hook.config} not found`
  const bundle = config.webhooks?.[0]?.clientConfig.caBundle
  if (!bundle) return `${hook.config} has no caBundle`
  const text = typeof bundle === 'string' ? Buffer.from(bundle, 'base64').toString('utf8') : String(bundle)
  try {
    return parsePemBundle(text)
  } catch (error) {
    return `the caBundle of ${hook.config}: ${error instanceof Error ? error.message : String(error)}`
  }
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
      const {cert, chain, source} = served
      const now = ctx.settings.now()
      const problems: string[] = []
      const invalid = validityProblem(cert, now)
      if (invalid) problems.push(invalid)
      if (served.keyPem === undefined) problems.push(`${served.keyName} is missing`)
      else {
        const mismatch = keyProblem(cert, served.keyPem)
        if (mismatch) problems.push(mismatch)
      }
      const host = `linkerd-${hook.component}.${ctx.settings.controlPlaneNamespace}.svc`
      if (cert.checkHost(host) === undefined) problems.push(`certificate ${certName(cert)} is not valid for ${host}`)
      const bundle = await caBundle(ctx, scope, hook)
      if (typeof bundle === 'string') problems.push(bundle)
      else {
        for (const ca of bundle) {
          const expired = validityProblem(ca, now)
          if (expired) problems.push(`the caBundle of ${hook.config}: ${expired}`)
        }
        const unchained = chainProblem(cert, chain, bundle, now)
        if (unchained) problems.push(`${unchained} in the caBundle of ${hook.config}`)
      }
      return problems.length === 0 ? pass() : fail(`${source}: ${problems.join('\n')}`)
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
      const expiring = (certs: readonly X509Certificate[]) => certs.map((c) => expiryProblem(c, ctx.settings.now(), ctx.settings.certExpiryThresholdMs)).filter((p): p is string => p !== undefined)
      const problems = expiring([served.cert, ...served.chain]).map((p) => `${served.source}: ${p}`)
      // The API server verifies the webhook against this bundle: an expiring CA breaks it as surely.
      const bundle = await caBundle(ctx, scope, hook)
      if (typeof bundle !== 'string') problems.push(...expiring(bundle).map((p) => `the caBundle of ${hook.config}: ${p}`))
      return problems.length === 0 ? pass() : fail(problems.join('\n'))
    },
  }
}

export const linkerdWebhooks = (validFor = wordDuration(DEFAULT_CERT_EXPIRY_THRESHOLD_MS)): Category<CheckContext> => ({
  id: 'linkerd-webhooks-and-apisvc-tls',
  name: 'linkerd-webhooks-and-apisvc-tls',
  checks: WEBHOOKS.flatMap((hook) => [validCert(hook), notExpiring(hook, validFor)]),
})
