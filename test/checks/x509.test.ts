import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {anchorCryptoProblem, chainProblem, expiryProblem, expiryWarningWindowMs, isSignedBy, issuerCryptoProblem, keyProblem, notAfter, notBefore, parsePemBundle, validityProblem} from '../../src/checks/x509.js'
import {pem} from './fixtures/cluster.js'

const DAY = 86_400_000
const [anchor] = parsePemBundle(pem('anchor.crt'))
const [issuer] = parsePemBundle(pem('issuer.crt'))
const [other] = parsePemBundle(pem('other-anchor.crt'))
const [p384] = parsePemBundle(pem('p384.crt'))
if (!anchor || !issuer || !other || !p384) throw new Error('fixtures missing')

describe('x509', () => {
  test('parses bundles and rejects what is not a certificate', () => {
    assert.equal(parsePemBundle(pem('anchor.crt') + pem('other-anchor.crt')).length, 2)
    assert.throws(() => parsePemBundle('hello'), /no PEM certificate/)
    assert.throws(() => parsePemBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), /certificate 1 does not parse/)
  })

  test('validity window', () => {
    assert.equal(validityProblem(issuer, notBefore(issuer) + DAY), undefined)
    assert.match(validityProblem(issuer, notBefore(issuer) - DAY) ?? '', /not valid before/)
    assert.match(validityProblem(issuer, notAfter(issuer) + 1) ?? '', /expired on/)
  })

  test('signed-by checks the signature, not only the names', () => {
    assert.equal(isSignedBy(issuer, anchor), true)
    // Same subject name, different key: a look-alike anchor must not pass.
    assert.equal(isSignedBy(issuer, other), false)
    assert.equal(isSignedBy(anchor, issuer), false)
  })

  test('expiry warns within the threshold, or the last third of a shorter lifetime', () => {
    const lifetime = notAfter(issuer) - notBefore(issuer) // 365 days
    assert.equal(expiryWarningWindowMs(issuer, 60 * DAY), 60 * DAY)
    assert.equal(expiryWarningWindowMs(issuer, 200 * DAY), lifetime / 3)
    assert.equal(expiryProblem(issuer, notAfter(issuer) - 61 * DAY), undefined)
    assert.match(expiryProblem(issuer, notAfter(issuer) - 59 * DAY) ?? '', /expires on .* \(in 59 days\)/)
    assert.match(expiryProblem(issuer, notAfter(issuer) + DAY) ?? '', /expired on/)
    assert.equal(expiryProblem(issuer, notAfter(issuer) - 20 * DAY, 10 * DAY), undefined)
  })

  test("supported crypto, Linkerd's rules: anchors ECDSA P-256 or RSA 2048/4096 signed with SHA-256; issuers ECDSA P-256", () => {
    const cert = (name: string) => parsePemBundle(pem(name))[0]!
    assert.equal(anchorCryptoProblem(anchor), undefined)
    assert.equal(anchorCryptoProblem(cert('rsa-anchor.crt')), undefined)
    assert.equal(anchorCryptoProblem(p384), 'trust anchor p384: must use P-256 curve for public key, instead secp384r1 was used')
    assert.equal(anchorCryptoProblem(cert('anchor-sha384.crt')), 'trust anchor sha384: must be signed by an ECDSA P-256 key, instead ECDSA-SHA384 was used')
    assert.equal(anchorCryptoProblem(cert('rsa-1024.crt')), 'trust anchor rsa1024: RSA must use a 2048 or 4096 bit public key, instead 1024 bit public key was used')
    assert.equal(issuerCryptoProblem(issuer), undefined)
    assert.equal(issuerCryptoProblem(cert('rsa-issuer.crt')), 'issuer certificate identity.linkerd.cluster.local must use ECDSA for public key algorithm, instead RSA was used')
  })

  test('private keys: matching, mismatched, unparsable', () => {
    assert.equal(keyProblem(issuer, pem('issuer.key')), undefined)
    assert.equal(keyProblem(parsePemBundle(pem('rsa-issuer.crt'))[0]!, pem('rsa-issuer.key')), undefined)
    assert.equal(keyProblem(issuer, pem('proxy-injector.key')), 'the private key does not match certificate identity.linkerd.cluster.local')
    assert.match(keyProblem(issuer, 'key') ?? '', /^the private key does not parse/)
  })

  test('chains: direct, through intermediates in any order, and not through a look-alike', () => {
    const now = notBefore(issuer) + DAY
    const [leaf, ...intermediates] = parsePemBundle(pem('issuer-chain.crt'))
    assert.equal(chainProblem(issuer, [], [anchor], now), undefined)
    assert.equal(chainProblem(leaf!, intermediates, [anchor], now), undefined)
    assert.equal(chainProblem(leaf!, [other, ...intermediates], [other, anchor], now), undefined)
    assert.equal(chainProblem(leaf!, [], [anchor], now), 'certificate identity.linkerd.cluster.local is not signed by the trust anchor')
    assert.equal(chainProblem(leaf!, intermediates, [other], now), 'certificate identity.linkerd.cluster.local is not signed by the trust anchor (nor through the intermediate certificate after it)')
    assert.match(chainProblem(leaf!, intermediates, [anchor], notAfter(intermediates[0]!) + DAY) ?? '', /^intermediate certificate intermediate\.linkerd\.cluster\.local expired on/)
  })
})
