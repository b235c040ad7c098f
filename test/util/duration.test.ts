import assert from 'node:assert/strict'
import {test} from 'node:test'

import {formatDuration, humanDuration, parseDuration} from '../../src/util/duration.js'

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

test('humanDuration prints ages as kubectl does: more detail for short spans', () => {
  const s = 1000
  const m = 60 * s
  const h = 60 * m
  const d = 24 * h
  const cases: Array<[number, string]> = [
    [45 * s, '45s'],
    [119 * s, '119s'],
    [3 * m + 20 * s, '3m20s'],
    [5 * m, '5m'],
    [47 * m, '47m'],
    [5 * h + 12 * m, '5h12m'],
    [22 * h + 59 * m, '22h'],
    [3 * d + 4 * h, '3d4h'],
    [60 * d, '60d'],
    [3 * 365 * d + 10 * d, '3y10d'],
    [10 * 365 * d, '10y'],
  ]
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, text)
})
