import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {cryptoProblem, expiryProblem, expiryWarningWindowMs, isSignedBy, notAfter, notBefore, parsePemBundle, validityProblem} from '../../src/checks/x509.js'
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

  test('supported crypto: ECDSA P-256 or RSA', () => {
    assert.equal(cryptoProblem(anchor), undefined)
    assert.match(cryptoProblem(p384) ?? '', /secp384r1 curve; it must use P-256/)
  })
})
