import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parsedScrape, scrapeWindow, type ScrapeTarget} from '../../src/metrics/scrape.js'

const read = parsedScrape()

const targets = (n: number): ScrapeTarget[] =>
  Array.from({length: n}, (_, i) => ({key: `ns/p${i}`, pod: {name: `p${i}`, namespace: 'ns'}, port: 4191}))

describe('scrapeWindow', () => {
  test('scrapes each pod twice a window apart, never more than `concurrency` at once', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const calls = new Map<string, number>()
    const windows = new Map<string, number>()
    const fetch = async (t: ScrapeTarget): Promise<string> => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((r) => setTimeout(r, 5))
      inFlight--
      const n = (calls.get(t.key) ?? 0) + 1
      calls.set(t.key, n)
      return `request_total ${n * 10}\n`
    }
    const onPair = (t: ScrapeTarget, first: {startedAt?: number}, second: {startedAt?: number}): void => {
      windows.set(t.key, (second.startedAt ?? 0) - (first.startedAt ?? 0))
    }
    const results = await scrapeWindow(targets(20), fetch, {concurrency: 4, onPair, read, windowMs: 100})
    assert.equal(maxInFlight, 4)
    assert.equal(results.size, 20)
    for (const [key, result] of results) {
      assert.ok(result.ok)
      // The window runs from the start of one fetch to the start of the next, never shorter (how
      // little longer, and the run's total time, are measured by bench/scrape.mjs).
      const window = windows.get(key) ?? 0
      assert.ok(window >= 100, `window ${window}`)
      assert.equal(result.second.metrics.samples[0]?.value, 20)
    }
  })

  test('a failing or garbage-serving pod gets a per-pod error, the rest succeed', async () => {
    const fetch = async (t: ScrapeTarget): Promise<string> => {
      if (t.pod.name === 'p1') throw new Error('port-forward to pod/p1 in ns port 4191 failed: connection refused')
      if (t.pod.name === 'p2') return '<html>oops</html>'
      return 'request_total 1\n'
    }
    const results = await scrapeWindow(targets(3), fetch, {concurrency: 2, read, windowMs: 10})
    assert.equal(results.get('ns/p0')?.ok, true)
    const p1 = results.get('ns/p1')
    const p2 = results.get('ns/p2')
    assert.ok(p1 && !p1.ok && /connection refused/.test(p1.error))
    assert.ok(p2 && !p2.ok && /not Prometheus text: line 1/.test(p2.error))
  })

  test('each pair is handed over as soon as it is complete; garbage in a first body skips the second fetch', async () => {
    const calls = new Map<string, number>()
    const fetch = async (t: ScrapeTarget): Promise<string> => {
      calls.set(t.key, (calls.get(t.key) ?? 0) + 1)
      await new Promise((r) => setTimeout(r, t.pod.name === 'p0' ? 1 : 30))
      return t.pod.name === 'p2' ? 'not metrics at all\n' : `request_total ${calls.get(t.key)}\n`
    }
    for (const deferredParseLimit of [0, undefined]) {
      calls.clear()
      const paired: string[] = []
      let settled = false
      const done = scrapeWindow(targets(3), fetch, {
        concurrency: 3,
        onPair: (target, first, second) => {
          assert.equal(settled, false)
          assert.deepEqual([first.metrics.samples[0]?.value, second.metrics.samples[0]?.value], [1, 2])
          paired.push(target.key)
        },
        read,
        windowMs: 5,
        ...(deferredParseLimit === undefined ? {} : {deferredParseLimit}),
      }).then((r) => {
        settled = true
        return r
      })
      const results = await done
      assert.deepEqual(paired, ['ns/p0', 'ns/p1'], `limit ${deferredParseLimit}`)
      assert.equal(calls.get('ns/p2'), 1)
      const p2 = results.get('ns/p2')
      assert.ok(p2 && !p2.ok && /not Prometheus text/.test(p2.error))
    }
  })

  test('watch mode: a previous scrape is reused as the first of the pair', async () => {
    let fetches = 0
    const fetch = async (): Promise<string> => {
      fetches++
      return 'request_total 5\n'
    }
    const first = await scrapeWindow(targets(1), fetch, {concurrency: 1, read, windowMs: 5})
    const r = first.get('ns/p0')
    assert.ok(r?.ok)
    await scrapeWindow(targets(1), fetch, {concurrency: 1, previous: new Map([['ns/p0', r.second]]), read, windowMs: 5})
    assert.equal(fetches, 3)
  })
})
