import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {matchesFields, matchesLabels, matchesLabelSelector, parseFieldSelector, parseLabelSelector} from '../../src/kube/selectors.js'

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

describe('LabelSelector objects', () => {
  test('matchLabels and every operator; empty matches all; an unknown operator nothing', () => {
    const labels = {app: 'api', tier: 'back'}
    assert.equal(matchesLabelSelector(undefined, labels), true)
    assert.equal(matchesLabelSelector({}, labels), true)
    assert.equal(matchesLabelSelector({matchLabels: {app: 'api'}}, labels), true)
    assert.equal(matchesLabelSelector({matchLabels: {app: 'web'}}, labels), false)
    assert.equal(matchesLabelSelector({matchExpressions: [{key: 'tier', operator: 'In', values: ['back', 'db']}]}, labels), true)
    assert.equal(matchesLabelSelector({matchExpressions: [{key: 'tier', operator: 'NotIn', values: ['back']}]}, labels), false)
    assert.equal(matchesLabelSelector({matchExpressions: [{key: 'canary', operator: 'DoesNotExist'}], matchLabels: {app: 'api'}}, labels), true)
    assert.equal(matchesLabelSelector({matchExpressions: [{key: 'canary', operator: 'Exists'}]}, labels), false)
    assert.equal(matchesLabelSelector({matchExpressions: [{key: 'app', operator: 'Matches', values: ['api']}]}, labels), false)
  })
})
