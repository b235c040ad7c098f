import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {obfuscateLine, obfuscateMetrics, obfuscateValue} from '../../src/diagnose/obfuscate.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

test('Linkerd obfuscation golden, byte for byte', () => {
  const input = readFileSync(linkerd2Testdata('proxy-metrics/obfuscate-diagnostics-proxy-metrics.input'), 'utf8')
  const golden = readFileSync(linkerd2Testdata('proxy-metrics/obfuscate-diagnostics-proxy-metrics.golden'), 'utf8')
  assert.equal(obfuscateMetrics(input), golden)
})

test('first 4 bytes of SHA-256, the documented example', () => {
  assert.equal(obfuscateValue('0.0.0.0:4191'), 'f21fd977')
})

test('every sensitive label is hashed, others and values are kept, escapes are unescaped first', () => {
  const line =
    'response_total{direction="outbound",authority="web.shop.svc.cluster.local:80",target_addr="10.0.0.1:80",tls="true",server_id="web.shop.serviceaccount.identity.linkerd.cluster.local",dst_namespace="shop",dst_service="web",dst_pod="web-1",note="a \\"quoted\\" }"} 5'
  const out = obfuscateLine(line)
  for (const value of ['web.shop.svc.cluster.local:80', '10.0.0.1:80', 'web.shop.serviceaccount.identity.linkerd.cluster.local', 'shop', 'web']) {
    assert.ok(!out.includes(`"${value}"`), value)
    assert.ok(out.includes(`"${obfuscateValue(value)}"`), value)
  }
  assert.ok(out.includes('dst_pod="web-1"'))
  assert.ok(out.includes('note="a \\"quoted\\" }"} 5'))
  assert.equal(obfuscateLine('authority_x{authority="a\\\\b"} 1'), `authority_x{authority="${obfuscateValue('a\\b')}"} 1`)
})

test('comments, EOF and label-less samples are untouched', () => {
  const text = '# HELP x_total X.\n# TYPE x counter\nx_total 3\n# EOF\n'
  assert.equal(obfuscateMetrics(text), text)
})

test('the whole real sample keeps its shape and hides every authority and identity', () => {
  const input = readFileSync(linkerd2Testdata('proxy-metrics/sampleMetrics.txt'), 'utf8')
  const out = obfuscateMetrics(input)
  assert.equal(out.split('\n').length, input.split('\n').length)
  assert.doesNotMatch(out, /server_id="[^"]*\./)
  assert.doesNotMatch(out, /target_addr="[^"]*:/)
})
