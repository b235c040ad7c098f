import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {histogramQuantile} from '../../src/metrics/quantile.js'

const INF = Number.POSITIVE_INFINITY

describe('histogramQuantile (Prometheus BucketQuantile)', () => {
  test('29 observations all in le=1 give p50 = 0.5 (interpolation from 0 in the first bucket)', () => {
    const buckets = [1, 2, 5, 10, 50000, INF].map((le) => ({count: 29, le}))
    assert.deepEqual(histogramQuantile(0.5, buckets), {lower: 0, upper: 1, value: 0.5})
  })

  test('linear interpolation inside the bucket that holds the rank (hand-computed)', () => {
    // 50 observations in (10,20], 50 in (20,30]
    const buckets = [
      {count: 0, le: 10},
      {count: 50, le: 20},
      {count: 100, le: 30},
      {count: 100, le: INF},
    ]
    assert.deepEqual(histogramQuantile(0.5, buckets), {lower: 10, upper: 20, value: 20}) // rank 50 -> 10 + 10*50/50
    assert.deepEqual(histogramQuantile(0.95, buckets), {lower: 20, upper: 30, value: 29}) // 20 + 10*45/50
    const p99 = histogramQuantile(0.99, buckets)
    assert.ok(Math.abs((p99?.value ?? 0) - 29.8) < 1e-9) // 20 + 10*49/50
  })

  test('a rank in the +Inf bucket answers the highest finite bound', () => {
    const buckets = [
      {count: 1, le: 10},
      {count: 1, le: 50000},
      {count: 10, le: INF},
    ]
    assert.deepEqual(histogramQuantile(0.5, buckets), {lower: 50000, upper: INF, value: 50000})
  })

  test('sorts, merges equal bounds and forces monotonic counts', () => {
    const buckets = [
      {count: 4, le: INF},
      {count: 1, le: 100},
      {count: 1, le: 100},
      {count: 1, le: 200}, // lower than its predecessor after merging (2): raised to 2
    ]
    // merged: 100:2, 200:2, +Inf:4; rank(0.25)=1 -> 0 + 100*1/2
    assert.deepEqual(histogramQuantile(0.25, buckets), {lower: 0, upper: 100, value: 50})
  })

  test('NaN cases answer undefined', () => {
    assert.equal(histogramQuantile(0.5, [{count: 3, le: 10}, {count: 3, le: 20}]), undefined) // no +Inf
    assert.equal(histogramQuantile(0.5, [{count: 0, le: 10}, {count: 0, le: INF}]), undefined) // no observations
    assert.equal(histogramQuantile(0.5, [{count: 3, le: INF}]), undefined) // one bucket
    assert.equal(histogramQuantile(1.5, [{count: 3, le: 1}, {count: 3, le: INF}]), undefined)
  })
})
