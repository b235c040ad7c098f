import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {by, eq, escapeRegex, noneOf, oneOf, quote, range, selector} from '../../src/metrics/promql.js'

describe('promql text', () => {
  test('label values are quoted and regex-escaped, never spliced raw', () => {
    assert.equal(quote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"')
    assert.equal(escapeRegex('web.v1+(x)|y*'), 'web\\.v1\\+\\(x\\)\\|y\\*')
    assert.equal(selector('up', [oneOf('pod', ['b.1', 'a'])]), 'up{pod=~"a|b\\\\.1"}')
    assert.equal(selector('up', [oneOf('pod', ['only'])]), 'up{pod="only"}')
  })

  test('selectors skip undefined matchers; noneOf of nothing is no matcher', () => {
    assert.equal(selector('response_total', [eq('direction', 'inbound'), undefined, noneOf('target_port', ['4191'])]), 'response_total{direction="inbound",target_port!="4191"}')
    assert.equal(noneOf('target_port', []), undefined)
    assert.equal(selector('x', [noneOf('target_port', ['4999', '4191', '4191'])]), 'x{target_port!~"4191|4999"}')
  })

  test('ranges and groupings', () => {
    assert.equal(range(60_000), '60s')
    assert.equal(range(1500), '1500ms')
    assert.equal(by(['namespace', 'deployment', 'namespace']), 'by (namespace, deployment)')
  })
})
