import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Limiter} from '../../src/checks/limiter.js'

test('limiter never runs more than its limit at once, and runs everything', async () => {
  const limiter = new Limiter(3)
  let active = 0
  let peak = 0
  const results = await Promise.all(
    Array.from({length: 20}, (_, i) =>
      limiter.run(async () => {
        active++
        peak = Math.max(peak, active)
        await new Promise((resolve) => setTimeout(resolve, i % 3))
        active--
        return i
      }),
    ),
  )
  assert.equal(peak, 3)
  assert.equal(limiter.maxActive, 3)
  assert.deepEqual(results, Array.from({length: 20}, (_, i) => i))
  assert.throws(() => new Limiter(0), /at least 1/)
})

test('a failing task frees its slot', async () => {
  const limiter = new Limiter(1)
  await assert.rejects(limiter.run(async () => Promise.reject(new Error('x'))), /x/)
  assert.equal(await limiter.run(async () => 5), 5)
})
