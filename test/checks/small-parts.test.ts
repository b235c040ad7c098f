import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {meshDefaultsFromValues} from '../../src/ports/index.js'
import {parseKubeVersion, parseLinkerdValues, parseLinkerdVersion} from '../../src/checks/linkerd.js'
import {leafCertFromMetrics, leafExpiryProblem} from '../../src/checks/proxy-cert.js'
import {parseLongDuration, wordDuration} from '../../src/checks/threshold.js'

const H = 3_600_000

describe('check helpers', () => {
  test('expiry threshold durations take days', () => {
    assert.equal(parseLongDuration('60d'), 60 * 24 * H)
    assert.equal(parseLongDuration('1d12h'), 36 * H)
    assert.equal(parseLongDuration('12h'), 12 * H)
    assert.equal(parseLongDuration('soon'), undefined)
    assert.equal(parseLongDuration('2dx'), undefined)
    assert.equal(wordDuration(60 * 24 * H), '60 days')
    assert.equal(wordDuration(24 * H), '1 day')
    assert.equal(wordDuration(12 * H), '12h0m0s')
  })

  test('leaf certificate gauges, both metric generations', () => {
    const modern = '# TYPE control_identity_cert_expiration_timestamp_seconds gauge\ncontrol_identity_cert_expiration_timestamp_seconds 1700086400\ncontrol_identity_cert_refresh_timestamp_seconds 1700000000.5\n# EOF\n'
    assert.deepEqual(leafCertFromMetrics(modern), {expiresAt: 1700086400_000, refreshedAt: 1700000000_500})
    assert.deepEqual(leafCertFromMetrics('identity_cert_expiration_timestamp_seconds 1700086400\nrequest_total{a="b"} 3\n'), {expiresAt: 1700086400_000, refreshedAt: undefined})
    assert.equal(leafCertFromMetrics('request_total 3\n'), undefined)
    assert.deepEqual(leafCertFromMetrics('control_identity_cert_expiration_timestamp_seconds 0\n'), {expiresAt: undefined, refreshedAt: undefined})
  })

  test('leaf expiry: a third of the lifetime, capped by the threshold', () => {
    const cert = {expiresAt: 100 * H, refreshedAt: 76 * H} // 24h lifetime: warn in the last 8h
    assert.equal(leafExpiryProblem(cert, 91 * H, 60 * 24 * H), undefined)
    assert.match(leafExpiryProblem(cert, 93 * H, 60 * 24 * H) ?? '', /expires at .* \(in 420m\)/)
    assert.equal(leafExpiryProblem(cert, 93 * H, 6 * H), undefined)
    assert.match(leafExpiryProblem(cert, 101 * H, 60 * 24 * H) ?? '', /expired at/)
    assert.match(leafExpiryProblem({expiresAt: undefined, refreshedAt: undefined}, 0, H) ?? '', /no identity certificate yet/)
  })

  test('linkerd-config values and versions', () => {
    const values = parseLinkerdValues('linkerdVersion: edge-26.8.3\nidentityTrustAnchorsPEM: |\n  pem\nidentity:\n  issuer:\n    scheme: kubernetes.io/tls\ndisableHeartBeat: true\n')
    assert.equal(values.version, 'edge-26.8.3')
    assert.equal(values.trustAnchorsPem, 'pem\n')
    assert.equal(values.issuerScheme, 'kubernetes.io/tls')
    assert.equal(values.heartbeatDisabled, true)
    assert.throws(() => parseLinkerdValues('just text'), /not a YAML mapping/)
    assert.deepEqual(parseLinkerdVersion('stable-2.14.10'), {channel: 'stable', version: '2.14.10'})
    assert.deepEqual(parseLinkerdVersion('v2.366.0'), {channel: undefined, version: 'v2.366.0'})
    assert.deepEqual(parseKubeVersion('v1.32.3+k3s1'), [1, 32, 3])
    assert.equal(parseKubeVersion('banana'), undefined)
  })

  test('mesh defaults from the chart values', () => {
    assert.deepEqual(meshDefaultsFromValues({proxy: {ports: {admin: 9991, inbound: '4143'}, opaquePorts: '3306'}, proxyInit: {ignoreInboundPorts: '25', ignoreOutboundPorts: 443}}), {
      proxyPorts: {admin: 9991, inbound: 4143},
      opaquePorts: '3306',
      skipInboundPorts: '25',
      skipOutboundPorts: '443',
    })
    assert.deepEqual(meshDefaultsFromValues({}), {})
  })
})
