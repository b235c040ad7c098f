import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from '../../src/kube/selectors.js'

describe('label selectors', () => {
  const labels = {app: 'web', tier: 'front', 'linkerd.io/control-plane-ns': 'linkerd'}
  const cases: Array<[string, boolean]> = [
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['linkerd.io/control-plane-ns', true],
    ['!linkerd.io/control-plane-ns', false],
    ['!missing,app=web', true],
    ['app=web,tier=back', false],
    ['', true],
  ]
  for (const [selector, expected] of cases) {
    test(`${selector || '(empty)'} -> ${expected}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected)
    })
  }
  test('bad syntax is a usage error', () => {
    assert.throws(() => parseLabelSelector('app in web'), /invalid label selector/)
  })
})

describe('field selectors', () => {
  test('match nested paths and negation', () => {
    const pod = {metadata: {name: 'web-1', namespace: 'shop'}, status: {phase: 'Running'}}
    assert.equal(matchesFields(parseFieldSelector('metadata.name=web-1'), pod), true)
    assert.equal(matchesFields(parseFieldSelector('status.phase!=Running'), pod), false)
    assert.equal(matchesFields(parseFieldSelector('metadata.namespace=shop,status.phase=Running'), pod), true)
  })
})
