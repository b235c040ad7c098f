// Which source a viz run uses: --prometheus URL|auto|none, else the window and whether Linkerd
// viz's Prometheus is installed; a long window never silently becomes a long wait.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {MeshError} from '../../src/errors.js'
import {chooseSource, type SourceSettings} from '../../src/metrics/source-choice.js'
import {fakeKube} from '../helpers/fake-kube.js'

const vizService = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'prometheus', namespace: 'linkerd-viz'}, spec: {ports: [{name: 'admin', port: 9090}]}}
const withViz = () => fakeKube({objects: [vizService]})
const withoutViz = () => fakeKube({objects: []})
const settings = (windowText: string, windowMs: number, prometheus?: string): SourceSettings => ({prometheus, vizNamespace: 'linkerd-viz', windowMs, windowText})

describe('chooseSource', () => {
  test('windows up to 1m are scraped directly, viz or not, without a word', async () => {
    assert.deepEqual(await chooseSource(withViz(), settings('10s', 10_000)), {kind: 'direct'})
    assert.deepEqual(await chooseSource(withViz(), settings('1m', 60_000)), {kind: 'direct'})
  })

  test("longer windows: viz's Prometheus when installed, saying so", async () => {
    const choice = await chooseSource(withViz(), settings('1h', 3_600_000))
    assert.equal(choice.kind, 'service')
    assert.deepEqual({...choice, notice: undefined}, {kind: 'service', name: 'prometheus', namespace: 'linkerd-viz', notice: undefined, port: 9090})
    assert.match(choice.notice ?? '', /^Using Linkerd viz's Prometheus \(service linkerd-viz\/prometheus:9090\) for the 1h window; --prometheus none scrapes the proxies instead\.$/)
  })

  test('without any Prometheus: a few minutes are scraped with a note on how long; more is refused with a hint (exit 2)', async () => {
    const two = await chooseSource(withoutViz(), settings('2m', 120_000))
    assert.deepEqual(two, {kind: 'direct', notice: 'No Prometheus given, and no Linkerd viz in linkerd-viz: scraping each proxy twice, 2m apart (this run takes 2m).'})
    await assert.rejects(chooseSource(withoutViz(), settings('1h', 3_600_000)), (err: unknown) => err instanceof MeshError && err.exitCode === 2 && /--prometheus none to wait 1h/.test(err.hint ?? ''))
    assert.deepEqual(await chooseSource(withoutViz(), settings('1h', 3_600_000, 'none')), {kind: 'direct', notice: 'Scraping each proxy twice, 1h apart: this run takes 1h.'})
  })

  test('--prometheus URL is used as given; auto needs viz (exit 3 without), whatever the window', async () => {
    assert.deepEqual(await chooseSource(withoutViz(), settings('10s', 10_000, 'http://prom:9090')), {kind: 'url', url: 'http://prom:9090'})
    assert.equal((await chooseSource(withViz(), settings('10s', 10_000, 'auto'))).kind, 'service')
    await assert.rejects(chooseSource(withoutViz(), settings('10s', 10_000, 'auto')), (err: unknown) => err instanceof MeshError && err.exitCode === 3 && err.code === 'PROM_NOT_FOUND')
  })

  test('a Service that cannot be read counts as absent', async () => {
    const kube = fakeKube({failures: {getService: new Error('forbidden')}, objects: [vizService]})
    assert.equal((await chooseSource(kube, settings('2m', 120_000))).kind, 'direct')
  })
})
