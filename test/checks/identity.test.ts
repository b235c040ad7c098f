// linkerd-identity and the webhook certificates: chains through intermediates, private keys,
// Linkerd's algorithm rules, and the kubernetes.io/tls scheme's trust anchors from ca.crt.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {notAfter, parsePemBundle} from '../../src/checks/x509.js'
import type {PlainObject} from '../helpers/fake-kube.js'
import {controlPlane, pem} from './fixtures/cluster.js'
import {DAY, runFake} from './fixtures/run.js'

const b64 = (text: string) => Buffer.from(text).toString('base64')
const identity = (id: string) => `linkerd-identity.${id}`

/** The control plane with its issuer secret replaced (scheme kubernetes.io/tls when `ca` is given). */
function withIssuer(data: Record<string, string>, scheme = 'linkerd.io/tls'): PlainObject[] {
  const objects = controlPlane({values: {identity: {issuer: {scheme}}}}).filter((o) => o.metadata?.name !== 'linkerd-identity-issuer')
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]))
  return [...objects, {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'linkerd-identity-issuer', namespace: 'linkerd'}, type: scheme === 'kubernetes.io/tls' ? 'kubernetes.io/tls' : 'Opaque', data: encoded}]
}

describe('linkerd-identity', () => {
  test('an issuer signed through an intermediate in its bundle passes, and says through what', async () => {
    const {byId} = await runFake({mode: 'control-plane', objects: withIssuer({'crt.pem': pem('issuer-chain.crt'), 'key.pem': pem('issuer-via-intermediate.key')})})
    const chained = byId.get(identity('issuer-cert-signed-by-anchor'))
    assert.equal(chained?.result, 'success', chained?.error)
    assert.equal(chained?.detail, 'through intermediate.linkerd.cluster.local')
    assert.equal(byId.get(identity('cert-config-valid'))?.result, 'success')
    // Without the intermediate the same issuer does not chain.
    const bare = await runFake({mode: 'control-plane', objects: withIssuer({'crt.pem': pem('issuer-via-intermediate.crt'), 'key.pem': pem('issuer-via-intermediate.key')})})
    assert.match(bare.byId.get(identity('issuer-cert-signed-by-anchor'))?.error ?? '', /^issuer in secret\/linkerd-identity-issuer in linkerd \(crt\.pem\): certificate identity\.linkerd\.cluster\.local is not signed by the trust anchor in configmap\/linkerd-config in linkerd$/)
  })

  test("kubernetes.io/tls: the anchors are the secret's ca.crt", async () => {
    const good = await runFake({mode: 'control-plane', objects: withIssuer({'ca.crt': pem('anchor.crt'), 'tls.crt': pem('issuer.crt'), 'tls.key': pem('issuer.key')}, 'kubernetes.io/tls')})
    assert.equal(good.byId.get(identity('issuer-cert-signed-by-anchor'))?.result, 'success')
    // linkerd-config's anchors are right, ca.crt is not: Linkerd fails it, so does meshport.
    const wrong = await runFake({mode: 'control-plane', objects: withIssuer({'ca.crt': pem('other-anchor.crt'), 'tls.crt': pem('issuer.crt'), 'tls.key': pem('issuer.key')}, 'kubernetes.io/tls')})
    assert.match(wrong.byId.get(identity('issuer-cert-signed-by-anchor'))?.error ?? '', /in secret\/linkerd-identity-issuer in linkerd \(ca\.crt\)$/)
    const missing = await runFake({mode: 'control-plane', objects: withIssuer({'tls.crt': pem('issuer.crt'), 'tls.key': pem('issuer.key')}, 'kubernetes.io/tls')})
    assert.equal(missing.byId.get(identity('trust-anchors-time-valid'))?.error, 'secret/linkerd-identity-issuer in linkerd has no ca.crt (the trust anchors of the kubernetes.io/tls issuer scheme)')
  })

  test("the issuer's private key must be present and its own", async () => {
    const mismatch = await runFake({mode: 'control-plane', cluster: {issuerKey: pem('proxy-injector.key')}})
    assert.equal(mismatch.byId.get(identity('cert-config-valid'))?.error, 'issuer in secret/linkerd-identity-issuer in linkerd (crt.pem): the private key does not match certificate identity.linkerd.cluster.local')
    const absent = await runFake({mode: 'control-plane', objects: withIssuer({'crt.pem': pem('issuer.crt')})})
    assert.equal(absent.byId.get(identity('cert-config-valid'))?.error, 'key.pem of secret/linkerd-identity-issuer in linkerd is missing: the issuer has no private key')
  })

  test('an RSA issuer is refused; an RSA 2048 anchor is accepted, a 1024 bit one is not', async () => {
    const rsa = await runFake({mode: 'control-plane', cluster: {issuer: pem('rsa-issuer.crt'), issuerKey: pem('rsa-issuer.key'), anchors: pem('rsa-anchor.crt')}})
    assert.equal(rsa.byId.get(identity('issuer-cert-crypto'))?.error, 'issuer certificate identity.linkerd.cluster.local must use ECDSA for public key algorithm, instead RSA was used')
    assert.equal(rsa.byId.get(identity('trust-anchors-crypto'))?.result, 'success')
    assert.equal(rsa.byId.get(identity('issuer-cert-signed-by-anchor'))?.result, 'success')
    const weak = await runFake({mode: 'control-plane', cluster: {anchors: pem('anchor.crt') + pem('rsa-1024.crt')}})
    assert.match(weak.byId.get(identity('trust-anchors-crypto'))?.error ?? '', /trust anchor rsa1024: RSA must use a 2048 or 4096 bit public key/)
  })
})

describe('linkerd-webhooks-and-apisvc-tls', () => {
  const webhook = (id: string) => `linkerd-webhooks-and-apisvc-tls.${id}`

  test("a serving key that is not the certificate's fails cert-valid", async () => {
    const objects = controlPlane()
    const secret = objects.find((o) => o.metadata?.name === 'linkerd-sp-validator-k8s-tls') as unknown as {data: Record<string, string>}
    secret.data['tls.key'] = b64(pem('proxy-injector.key'))
    const {byId} = await runFake({mode: 'control-plane', objects})
    assert.equal(byId.get(webhook('sp-validator-cert-valid'))?.error, 'secret/linkerd-sp-validator-k8s-tls in linkerd: the private key does not match certificate linkerd-sp-validator.linkerd.svc')
    assert.equal(byId.get(webhook('proxy-injector-cert-valid'))?.result, 'success')
  })

  test('an expired or expiring caBundle is reported, not only the serving certificate', async () => {
    const ca = parsePemBundle(pem('webhook-ca.crt'))[0]!
    const expiring = await runFake({mode: 'control-plane', settings: {now: () => notAfter(ca) - 30 * DAY}})
    const notExpiring = expiring.byId.get(webhook('proxy-injector-cert-not-expiring'))
    assert.equal(notExpiring?.result, 'warning')
    assert.match(notExpiring?.error ?? '', /\nthe caBundle of linkerd-proxy-injector-webhook-config: certificate webhook\.linkerd\.cluster\.local expires on .* \(in 30 days\)$/)
    const expired = await runFake({mode: 'control-plane', settings: {now: () => notAfter(ca) + DAY}})
    assert.match(expired.byId.get(webhook('proxy-injector-cert-valid'))?.error ?? '', /the caBundle of linkerd-proxy-injector-webhook-config: certificate webhook\.linkerd\.cluster\.local expired on/)
  })
})
