// The direct source's building blocks the viz family shares: one scrape per pod (edges need no
// more), per-pod failures as results, and which path each scrape took.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {DirectSource} from '../../src/metrics/direct-source.js'
import {parsePrometheusText} from '../../src/metrics/parse.js'
import {fakeKube} from '../helpers/fake-kube.js'

describe('DirectSource', () => {
  test('scrapeOnce: one GET per pod, its body read at once; refusals and HTTP errors are per-pod results', async () => {
    const kube = fakeKube({
      proxies: {
        'shop/a:4191': () => 'tcp_open_connections{direction="outbound",peer="dst"} 3\n',
        'shop/b:4191': () => ({body: 'not ready\n', status: 503}),
      },
    })
    const source = new DirectSource(kube, {concurrency: 2, scrapeVia: 'auto', timeoutMs: 1000})
    const targets = ['a', 'b', 'c'].map((name) => ({key: `shop/${name}`, pod: {name, namespace: 'shop'}, port: 4191}))
    const results = await source.scrapeOnce(targets, (_t, body) => parsePrometheusText(body).samples[0]?.value)
    assert.deepEqual(results.get('shop/a'), {ok: true, value: 3})
    assert.deepEqual(results.get('shop/b'), {error: '/metrics on port 4191 answered HTTP 503', ok: false})
    assert.match((results.get('shop/c') as {error: string}).error, /connection refused/)
    assert.equal(kube.calls.filter((c) => c.startsWith('proxyGet ')).length, 3)
    // The fake answers without a path of its own: counted as pods/proxy, the default.
    assert.deepEqual(source.info(), {kind: 'direct', scrapeVia: 'auto', scrapes: {portForward: 0, proxy: 2}})
  })
})
