import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {cdfMean, histogramQuantile, LATENCY_BOUNDS_MS, latencyCdf} from './proxy/latency.js'

describe('latency buckets', () => {
  // Feasible combinations read back exactly; [p50, p95, p99].
  const cases: Array<[number, number, number]> = [
    [20, 80, 150],
    [5, 40, 90],
    [1, 2, 3],
    [10, 50, 100],
    [100, 450, 1200],
    [7, 180, 900],
    [250, 2500, 9000],
  ]
  for (const [p50, p95, p99] of cases) {
    test(`p50=${p50} p95=${p95} p99=${p99} read back by histogram_quantile`, () => {
      const cdf = latencyCdf({p50, p95, p99})
      assert.equal(cdf.length, LATENCY_BOUNDS_MS.length)
      for (let i = 1; i < cdf.length; i++) assert.ok((cdf[i] as number) >= (cdf[i - 1] as number), 'monotone')
      const total = 1_000_000
      const cumulative = cdf.map((f) => Math.floor(total * f))
      for (const [q, want] of [[0.5, p50], [0.95, p95], [0.99, p99]] as const) {
        const got = histogramQuantile(q, cumulative, total)
        assert.ok(Math.abs(got - want) / want < 0.005, `q${q}: want ${want}, got ${got}`)
      }
      const mean = cdfMean(cdf)
      assert.ok(mean > 0 && mean < p99, `mean ${mean}`)
    })
  }

  test('impossible combinations still give a monotone histogram ending at 1', () => {
    const cdf = latencyCdf({p50: 80, p95: 90, p99: 95})
    for (let i = 1; i < cdf.length; i++) assert.ok((cdf[i] as number) >= (cdf[i - 1] as number))
    assert.equal(cdf[cdf.length - 1], 1)
  })
})
