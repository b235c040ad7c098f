import assert from 'node:assert/strict'
import {test} from 'node:test'

import {mapLimit, withTimeout} from '../../src/util/pool.js'

test('mapLimit keeps order and never exceeds the limit', async () => {
  let running = 0
  let peak = 0
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
    running++
    peak = Math.max(peak, running)
    await new Promise((r) => setTimeout(r, n))
    running--
    return n * 10
  })
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0])
  assert.equal(peak, 2)
})

test('mapLimit on an empty list resolves to an empty list', async () => {
  assert.deepEqual(await mapLimit([], 4, async () => 1), [])
})

test('withTimeout rejects late promises with the given error', async () => {
  await assert.rejects(withTimeout(new Promise(() => {}), 10, () => new Error('late')), /late/)
  assert.equal(await withTimeout(Promise.resolve(3), 1000, () => new Error('late')), 3)
})
