import assert from 'node:assert/strict'
import {test} from 'node:test'

import {formatDuration, parseDuration} from '../../src/util/duration.js'

test('parseDuration reads Go-style durations and bare seconds', () => {
  assert.equal(parseDuration('10s'), 10_000)
  assert.equal(parseDuration('1m30s'), 90_000)
  assert.equal(parseDuration('500ms'), 500)
  assert.equal(parseDuration('2h'), 7_200_000)
  assert.equal(parseDuration('1.5s'), 1500)
  assert.equal(parseDuration('7'), 7000)
})

test('parseDuration rejects what is not a duration', () => {
  for (const bad of ['', 's', '10x', '-1s', '1s2', 'ten seconds']) assert.equal(parseDuration(bad), undefined, bad)
})

test('formatDuration prints whole units like Go', () => {
  assert.equal(formatDuration(10_000), '10s')
  assert.equal(formatDuration(90_000), '1m30s')
  assert.equal(formatDuration(250), '250ms')
  assert.equal(formatDuration(3_600_000), '1h0m0s')
})
