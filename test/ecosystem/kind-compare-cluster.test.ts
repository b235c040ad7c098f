// The stat, inject and diagnose comparisons of the real-cluster workflow (.github/workflows/e2e-kind.yml),
// fed with what meshport really prints (run against the simulated cluster) and with Linkerd's own
// output where it is vendored (inject goldens, viz stat goldens, a `diagnostics proxy-metrics` capture).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'

import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {linkerd2Testdata, repoRoot} from '../helpers/testdata.js'
import {compareProxyMetrics, expectPodReport, parseProxyMetrics, type PodReport} from './kind/diagnose.js'
import {checkSidecars, compareObjects} from './kind/inject.js'
import {compareStat, compareStatTables, expectStat, parseStatTables, type LinkerdStatRow, type MeshportStatDoc} from './kind/stat.js'

const golden = (path: string): string => readFileSync(linkerd2Testdata(path), 'utf8')

/** Healthy emojivoto plus a pod whose template opts out of injection in an injected namespace. */
function scenario(): object {
  const doc = parse(readFileSync(`${repoRoot}/test/cluster/scenarios/healthy.yaml`, 'utf8')) as {namespaces: Array<{name: string; workloads: object[]}>}
  const emojivoto = doc.namespaces.find((n) => n.name === 'emojivoto')!
  emojivoto.workloads.push({kind: 'Deployment', name: 'emoji-unmeshed', replicas: 1, meshed: false, annotations: {'linkerd.io/inject': 'disabled'}, containers: [{name: 'emoji-svc', ports: [8080]}]})
  return doc
}

/** What `linkerd viz stat -o json` prints for the same traffic: Linkerd's field set, whole-ms latencies. */
function asLinkerd(doc: MeshportStatDoc): LinkerdStatRow[] {
  return doc.rows.map((r) => {
    const row: LinkerdStatRow = {namespace: r.namespace, kind: r.kind, name: r.name, success: r.success, rps: r.rps, latency_ms_p50: null, latency_ms_p95: null, latency_ms_p99: null}
    if (r.success === null) return {...row, rps: null}
    const ms = (v: number | null) => (v === null ? 0 : Math.round(v))
    return {...row, latency_ms_p50: ms(r.latency_ms_p50), latency_ms_p95: ms(r.latency_ms_p95), latency_ms_p99: ms(r.latency_ms_p99), tcp_open_connections: 1, tcp_read_bytes_rate: r.tcp_read_bytes_rate ?? 0, tcp_write_bytes_rate: r.tcp_write_bytes_rate ?? 0}
  })
}

describe('e2e comparisons on what meshport prints', () => {
  let sim: Sim
  let statAdmin: MeshportStatDoc
  let statApp: MeshportStatDoc
  let wide: string
  const cli = (...args: string[]) => runCli([...args, '--kubeconfig', sim.kubeconfigPath])

  before(async () => {
    sim = await startSim({scenario: scenario()})
    const [admin, app, table] = await Promise.all([
      cli('viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '2s', '-o', 'json', '--include-admin'),
      cli('viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '2s', '-o', 'json'),
      cli('viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '2s', '-o', 'wide', '--include-admin'),
    ])
    for (const r of [admin, app, table]) assert.equal(r.code, 0, r.stderr)
    statAdmin = JSON.parse(admin.stdout) as MeshportStatDoc
    statApp = JSON.parse(app.stdout) as MeshportStatDoc
    wide = table.stdout
  })
  after(() => sim.stop())

  test('stat: the same rows and close numbers agree; every kind of difference is reported', () => {
    const linkerd = asLinkerd(statAdmin)
    const goldenKeys = new Set((JSON.parse(golden('output/stat_one_output_json.golden')) as object[]).flatMap((r) => Object.keys(r)))
    for (const row of linkerd) for (const k of Object.keys(row)) assert.ok(goldenKeys.has(k), `${k} is a field of linkerd viz stat -o json`)
    const end = Date.parse(statAdmin.time) / 1000
    const run = {meshport: statAdmin, linkerd, meshportExit: 0, linkerdExit: 0, windowSeconds: 2, linkerdAt: end + 3}
    const agreed = compareStat(run)
    assert.deepEqual(agreed.problems, [])
    assert.match(agreed.summary, /^stat: 4 linkerd rows, 4 meshport rows, 4 with traffic on both sides/)
    assert.ok(agreed.notCompared.some((n) => n.startsWith('TCP_CONN')))

    const change = (name: string, edit: (r: LinkerdStatRow) => LinkerdStatRow) => compareStat({...run, linkerd: linkerd.map((r) => (r.name === name ? edit(r) : r))}).problems
    assert.match(change('voting', (r) => ({...r, success: r.success! - 0.1}))[0]!, /^emojivoto\/deployment\/voting: success meshport=0\.\d+ linkerd=0\.\d+/)
    assert.match(change('web', (r) => ({...r, rps: r.rps! * 2}))[0]!, /^emojivoto\/deployment\/web: rps meshport=/)
    assert.match(change('web', (r) => ({...r, latency_ms_p95: r.latency_ms_p95! * 3 + 30}))[0]!, /^emojivoto\/deployment\/web: latency p95 meshport=/)
    assert.match(change('web', (r) => ({...r, tcp_write_bytes_rate: r.tcp_write_bytes_rate! * 4 + 5000}))[0]!, /^emojivoto\/deployment\/web: write bytes\/s/)
    assert.match(change('vote-bot', (r) => ({...r, success: null, rps: null}))[0]!, /^emojivoto\/deployment\/vote-bot: traffic in meshport only/)
    assert.match(change('web', (r) => ({...r, rps: 0}))[0]!, /RPS > 0/)
    assert.deepEqual(compareStat({...run, linkerd: linkerd.filter((r) => r.name !== 'emoji')}).problems, ['emojivoto/deployment/emoji: in meshport, missing from linkerd viz stat'])
    assert.deepEqual(compareStat({...run, meshport: {...statAdmin, rows: []}, linkerd: []}).problems, ['no rows on either side: nothing was compared'])
    assert.deepEqual(compareStat({...run, linkerdExit: 1}).problems, ['linkerd viz stat exited 1, expected 0'])
    assert.match(compareStat({...run, linkerdAt: end + 90}).problems[0]!, /ran 90\.0s after meshport's window ended: not the same minute/)
    assert.match(compareStat({...run, windowSeconds: 60}).problems[0]!, /meshport measured a 2s window, linkerd 60s/)
    // Rows of a presence-only namespace must exist on both sides; their numbers are not compared.
    const doubled = linkerd.map((r) => ({...r, rps: r.rps === null ? null : r.rps * 2}))
    const viz = compareStat({...run, linkerd: doubled, presenceOnly: ['emojivoto']})
    assert.deepEqual(viz.problems, [])
    assert.ok(viz.notCompared.some((n) => n.startsWith('numbers of the rows in emojivoto')))
    assert.deepEqual(compareStat({...run, linkerd: doubled.slice(1), presenceOnly: ['emojivoto']}).problems, [`emojivoto/deployment/${linkerd[0]!.name}: in meshport, missing from linkerd viz stat`])
  })

  test('stat expectations: emojivoto\'s rows, traffic, failures and MESHED, admin port excluded', () => {
    const expected = {traffic: ['web', 'emoji', 'voting'], noTraffic: ['vote-bot'], failures: ['voting']}
    assert.deepEqual(expectStat(statApp, 0, expected).problems, [])
    assert.deepEqual(expectStat(statApp, 0, {traffic: ['vote-bot'], noTraffic: ['web'], failures: ['emoji']}).problems.map((p) => p.split(':')[0]), ['vote-bot', 'web', 'emoji'])
    assert.deepEqual(expectStat(statApp, 0, {traffic: ['books'], noTraffic: [], failures: []}).problems, ['books: no row'])
    assert.match(expectStat(statAdmin, 0, expected).problems[0]!, /without --include-admin/)
    const unready = {...statApp, rows: statApp.rows.map((r) => (r.name === 'web' ? {...r, meshed: {ready: 1, total: 2}} : r))}
    assert.deepEqual(expectStat(unready, 1, expected).problems, ['meshport viz stat exited 1, expected 0', 'web: MESHED 1/2, expected every pod meshed and ready'])
  })

  test('stat tables: meshport\'s piped layout is Linkerd\'s, and MESHED, rows and numbers are compared', () => {
    const [ours] = parseStatTables(wide)
    const [theirs] = parseStatTables(golden('output/stat_one_tcp_output.golden'))
    assert.deepEqual(ours!.headers, theirs!.headers)
    assert.deepEqual(parseStatTables(golden('output/stat_all_output.golden'))[0]!.headers.slice(0, 3), ['NAMESPACE', 'NAME', 'MESHED'])
    assert.deepEqual(parseStatTables(golden('output/stat_one_pod_output.golden'))[0]!.rows[0], {NAME: 'emoji', STATUS: 'Running', MESHED: '1/1', SUCCESS: '100.00%', RPS: '2.0rps', LATENCY_P50: '123ms', LATENCY_P95: '123ms', LATENCY_P99: '123ms', TCP_CONN: '123'})

    const agreed = compareStatTables(wide, wide, 0, 0)
    assert.deepEqual(agreed.problems, [])
    assert.match(agreed.summary, /1 tables, 4 rows compared/)
    const voting = wide.split('\n').find((l) => l.startsWith('voting'))!
    assert.deepEqual(compareStatTables(wide, wide.replace(voting, voting.replace('1/1', '0/1')), 0, 0).problems, ['/voting: MESHED meshport=1/1 linkerd=0/1'])
    // voting's success in a short window is a sample (it may read 100%): set both sides' values.
    const votingAt = (success: string): string => wide.replace(voting, voting.replace(/\d+\.\d+%/, success))
    assert.match(compareStatTables(votingAt('90.00%'), votingAt('10.00%'), 0, 0).problems[0]!, /^\/voting: success meshport=0\.9 linkerd=0\.1 /)
    const narrow = golden('output/stat_one_output.golden')
    assert.match(compareStatTables(wide, narrow, 0, 0).problems.join('\n'), /table 1 columns: meshport NAME MESHED SUCCESS RPS LATENCY_P50 LATENCY_P95 LATENCY_P99 TCP_CONN READ_BYTES\/SEC WRITE_BYTES\/SEC; linkerd NAME MESHED/)
    assert.match(compareStatTables('', '', 0, 2).problems.join('\n'), /linkerd viz stat exited 2[^]*no row in common/)
  })

  test('objects: meshport inject and Linkerd\'s inject golden are the same objects', async () => {
    const cronjob = await runCli(['inject', linkerd2Testdata('inject/inject_emojivoto_cronjob.input.yml')])
    assert.equal(cronjob.code, 0, cronjob.stderr)
    const same = compareObjects({meshport: cronjob.stdout, linkerd: golden('inject/inject_emojivoto_cronjob.golden.yml'), meshportExit: 0, linkerdExit: 0})
    assert.deepEqual(same.problems, [])
    const changed = golden('inject/inject_emojivoto_cronjob.golden.yml').replace('linkerd.io/inject: enabled', 'linkerd.io/inject: disabled')
    assert.deepEqual(compareObjects({meshport: cronjob.stdout, linkerd: changed, meshportExit: 0, linkerdExit: 0}).problems, [
      'document 1 (CronJob emojivoto/hello): spec.jobTemplate.spec.template.metadata.annotations.linkerd.io/inject: "enabled" vs "disabled" (meshport vs linkerd)',
    ])

    // --manual: `linkerd.io/created-by` names the CLI that wrote the proxy, so it is left out.
    const manual = golden('inject/inject_emojivoto_deployment.golden.yml')
    const ours = manual.replace('linkerd/cli dev-undefined', 'meshport/cli 0.1.0')
    assert.deepEqual(compareObjects({meshport: ours, linkerd: manual, meshportExit: 0, linkerdExit: 0, ignoreAnnotations: ['linkerd.io/created-by']}).problems, [])
    assert.match(compareObjects({meshport: ours, linkerd: manual, meshportExit: 0, linkerdExit: 0}).problems[0]!, /annotations\.linkerd\.io\/created-by: "meshport\/cli 0\.1\.0" vs "linkerd\/cli dev-undefined"/)
    assert.deepEqual(compareObjects({meshport: `# comment only\n---\n${manual}---\n`, linkerd: manual, meshportExit: 0, linkerdExit: 0}).problems, [])
    assert.deepEqual(compareObjects({meshport: `${manual}---\n${manual}`, linkerd: manual, meshportExit: 0, linkerdExit: 1}).problems, ['linkerd inject exited 1, expected 0', 'meshport printed 2 objects, linkerd 1'])
    assert.match(compareObjects({meshport: 'a: [', linkerd: manual, meshportExit: 0, linkerdExit: 0}).problems[0]!, /invalid YAML/)
  })

  test('sidecars: native proxies, Ready, who wrote them; none after uninject', () => {
    const items = (ns: string, name: string) => sim.cluster.podsOf(ns, name).map((p) => p.object) as never[]
    const meshed = {items: [...items('emojivoto', 'web'), ...items('emojivoto', 'voting')]}
    assert.deepEqual(checkSidecars(meshed, {expect: 'native', createdBy: 'linkerd/proxy-injector', minPods: 3}).problems, [])
    assert.match(checkSidecars(meshed, {expect: 'native', createdBy: 'meshport/cli'}).problems[0]!, /linkerd\.io\/created-by is linkerd\/proxy-injector edge-26\.8\.3, expected meshport\/cli/)
    assert.match(checkSidecars(meshed, {expect: 'none'}).problems[0]!, /still has linkerd-init, linkerd-proxy/)
    const plain = {items: items('emojivoto', 'emoji-unmeshed')}
    assert.deepEqual(checkSidecars(plain, {expect: 'none'}).problems, [])
    assert.match(checkSidecars(plain, {expect: 'native'}).problems[0]!, /no linkerd-proxy native sidecar/)
    assert.deepEqual(checkSidecars({items: []}, {expect: 'none'}).problems, ['0 pods, expected at least 1'])
    const leaving = {items: meshed.items.map((p: {metadata: object}) => ({...p, metadata: {...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z'}})) as never[]}
    assert.deepEqual(checkSidecars({items: [...plain.items, ...leaving.items]}, {expect: 'none'}).problems, [])
  })

  test('diagnose pod: meshed with the control plane\'s version; a disabled pod is not meshed, with the reason', async () => {
    const web = sim.cluster.podsOf('emojivoto', 'web')[0]!
    const unmeshed = sim.cluster.podsOf('emojivoto', 'emoji-unmeshed')[0]!
    const [meshedRun, disabledRun] = await Promise.all([cli('diagnose', 'pod', web.name, '-n', 'emojivoto', '-o', 'json'), cli('diagnose', 'pod', unmeshed.name, '-n', 'emojivoto', '-o', 'json')])
    const report = JSON.parse(meshedRun.stdout) as PodReport
    const pod = web.object as never
    const healthy = {exit: meshedRun.code!, expect: 'meshed' as const, controlPlaneVersion: 'edge-26.8.3', pod, linkerdCheck: [{success: true, categories: []}]}
    assert.deepEqual(expectPodReport(report, healthy).problems, [])
    assert.match(expectPodReport(report, {...healthy, controlPlaneVersion: 'edge-26.9.1'}).problems[0]!, /control plane version edge-26\.8\.3, linkerd version says edge-26\.9\.1/)
    assert.match(expectPodReport({...report, version: {...report.version, proxy: 'edge-26.7.1'}}, healthy).problems.join('\n'), /proxy version edge-26\.7\.1, control plane edge-26\.8\.3[^]*linkerd\.io\/proxy-version is edge-26\.8\.3/)
    assert.match(expectPodReport(report, {...healthy, linkerdCheck: [{success: false, categories: []}]}).problems[0]!, /linkerd check --proxy fails/)

    const disabled = JSON.parse(disabledRun.stdout) as PodReport
    const optedOut = {exit: disabledRun.code!, expect: 'not-meshed' as const, rule: 'mesh.inject-disabled', pod: unmeshed.object as never}
    assert.deepEqual(expectPodReport(disabled, optedOut).problems, [])
    assert.match(disabled.mesh!.reason!, /injection is disabled by the pod/)
    assert.match(expectPodReport(disabled, {...optedOut, rule: 'mesh.not-annotated'}).problems[0]!, /no mesh\.not-annotated problem/)
    assert.match(expectPodReport(report, optedOut).problems.join('\n'), /meshport says meshed/)
  })

  test('proxy-metrics: the same pods with the same metric families as linkerd diagnostics proxy-metrics', async () => {
    const r = await cli('diagnose', 'proxy-metrics', 'deploy/web', '-n', 'emojivoto')
    assert.equal(r.code, 0, r.stderr)
    const ours = parseProxyMetrics(r.stdout)
    assert.deepEqual([...ours.keys()].sort(), sim.cluster.podsOf('emojivoto', 'web').map((p) => p.name).sort())
    assert.deepEqual(compareProxyMetrics(r.stdout, r.stdout, 0, 0).problems, [])

    const linkerd = golden('proxy-metrics/sampleMetrics.txt')
    const theirs = parseProxyMetrics(linkerd)
    assert.deepEqual([...theirs.keys()], ['slow-cooker-opaque-pod-mjqsw'])
    assert.equal(theirs.get('slow-cooker-opaque-pod-mjqsw')!.families.size, 28)
    assert.deepEqual(compareProxyMetrics(linkerd, linkerd, 0, 0).problems, [])
    const fewer = linkerd.replace(/^# TYPE request_total counter\n/m, '')
    assert.deepEqual(compareProxyMetrics(fewer, linkerd, 0, 0).problems, ['pod slow-cooker-opaque-pod-mjqsw: families only linkerd printed: request_total'])
    assert.match(compareProxyMetrics(r.stdout, linkerd, 0, 1).problems.join('\n'), /exited 1[^]*pod slow-cooker-opaque-pod-mjqsw: printed by linkerd only/)
    const failed = '#\n# POD slow-cooker-opaque-pod-mjqsw (1 of 1)\n#\n# ERROR: port-forward failed\n'
    assert.match(compareProxyMetrics(failed, linkerd, 1, 0).problems.join('\n'), /meshport error port-forward failed/)
  })
})
