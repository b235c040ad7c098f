// End to end: `meshport check` spawned like a user runs it, against the simulated cluster.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {parse} from 'yaml'

import {SCENARIO_DIR} from '../cluster/scenario.js'
import {assertJUnitStructure} from '../output/check-junit-structure.js'
import {assertValidJUnit, schemaSkip} from '../output/junit-schema.js'
import {binPath, runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

interface JsonCheck {
  id: string
  result: string
  error?: string
}
interface JsonReport {
  schemaVersion: number
  success: boolean
  categories: Array<{id: string; name: string; checks: JsonCheck[]}>
  stats: {listCalls: number}
}

const checksOf = (report: JsonReport) => new Map(report.categories.flatMap((c) => c.checks).map((c) => [c.id, c]))
const podNames = (sim: Sim, ns: string, workload: string) => sim.cluster.podsOf(ns, workload).map((p) => p.name)

/** The bundled broken scenario plus a workload whose app port collides with the proxy's inbound port. */
function brokenWithPortConflict(): object {
  const scenario = parse(readFileSync(`${SCENARIO_DIR}broken.yaml`, 'utf8')) as {namespaces: Array<{name: string; workloads: unknown[]}>}
  const faults = scenario.namespaces.find((n) => n.name === 'faults')
  faults?.workloads.push({kind: 'Deployment', name: 'port-clash', replicas: 1, containers: [{name: 'app', ports: [4143]}]})
  return scenario
}

describe('meshport check (simulated cluster)', () => {
  let healthy: Sim
  let broken: Sim
  before(async () => {
    healthy = await startSim({scenario: 'healthy'})
    broken = await startSim({scenario: brokenWithPortConflict()})
  })
  after(async () => {
    await healthy?.stop()
    await broken?.stop()
  })

  test('healthy: every format passes with exit 0', async () => {
    const args = ['check', '--proxy', '--offline', '--kubeconfig', healthy.kubeconfigPath]
    const [table, short, json, junit] = await Promise.all([
      runCli([...args]),
      runCli([...args, '-o', 'short']),
      runCli([...args, '-o', 'json']),
      runCli([...args, '-o', 'junit']),
    ])
    for (const r of [table, short, json, junit]) assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(table.stdout, /^kubernetes-api\n--------------\n√ can initialize the client\n√ can query the Kubernetes API\n/)
    assert.match(table.stdout, /linkerd-data-plane\n-+\n(√ .*\n)+/)
    assert.doesNotMatch(table.stdout, /[×‼]/)
    assert.ok(table.stdout.endsWith('Status check results are √\n'))
    assert.equal(short.stdout, 'Status check results are √\n')
    const report = JSON.parse(json.stdout) as JsonReport
    assert.equal(report.schemaVersion, 1)
    assert.equal(report.success, true)
    assert.equal(checksOf(report).get('data-plane.admin-ready')?.result, 'success')
    assert.equal(checksOf(report).get('linkerd-identity.issuer-cert-signed-by-anchor')?.result, 'success')
    const junitDoc = assertJUnitStructure(junit.stdout)
    assert.equal(junitDoc.totals.failures + junitDoc.totals.errors, 0)
    // Machine output carries no spinner or progress text.
    assert.equal(json.stderr, '')
    assert.equal(junit.stderr, '')
  })

  test('broken: each fault fails the check that catches it, names the pod, and exits 1', async () => {
    const r = await runCli(['check', '--proxy', '--offline', '-o', 'json', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(r.code, 1, r.stderr)
    const checks = checksOf(JSON.parse(r.stdout) as JsonReport)
    const expectFailure = (id: string, pattern: RegExp | string) => {
      const check = checks.get(id)
      assert.equal(check?.result, 'error', `${id}: ${JSON.stringify(check)}`)
      if (typeof pattern === 'string') assert.ok(check.error?.includes(pattern), `${id} should name ${pattern}: ${check.error}`)
      else assert.match(check.error ?? '', pattern)
    }
    for (const pod of podNames(broken, 'faults', 'not-ready')) expectFailure('data-plane.proxies-ready', `pod/${pod} in faults`)
    for (const pod of podNames(broken, 'faults', 'admin-down')) {
      expectFailure('data-plane.admin-live', `pod/${pod} in faults`)
      expectFailure('data-plane.admin-ready', `pod/${pod} in faults`)
    }
    expectFailure('linkerd-identity.issuer-cert-time-valid', /expired on/)
    for (const pod of podNames(broken, 'linkerd', 'linkerd-proxy-injector')) expectFailure('linkerd-existence.control-plane-pods-ready', `pod/${pod} in linkerd`)
    for (const pod of podNames(broken, 'faults', 'port-clash')) expectFailure('data-plane-ports.no-proxy-port-conflicts', `pod/${pod} in faults: port 4143`)
    // Healthy parts of the same cluster still pass.
    assert.equal(checks.get('linkerd-identity.trust-anchors-time-valid')?.result, 'success')
    assert.equal(checks.get('linkerd-config.crds-exist')?.result, 'success')
  })

  test('broken: table output exits 1 too and keeps the full report', async () => {
    const r = await runCli(['check', '--proxy', '--offline', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /× issuer cert is within its validity period\n {4}issuer certificate .* expired on/)
    assert.match(r.stdout, /see https:\/\/linkerd\.io\/2\/checks\/#l5d-data-plane-ready for hints/)
    assert.match(r.stdout, /√ trust anchors are within their validity period/)
    assert.ok(r.stdout.endsWith('Status check results are ×\n'))
    const junit = await runCli(['check', '--proxy', '--offline', '-o', 'junit', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(junit.code, 1)
    const doc = assertJUnitStructure(junit.stdout)
    assert.ok(doc.totals.failures >= 5, `failures: ${doc.totals.failures}`)
    assert.match(junit.stdout, /<testcase name="linkerd-identity.issuer-cert-time-valid: issuer cert is within its validity period" classname="linkerd-identity" time="[\d.]+">\n\s+<failure message="issuer certificate [^"]* expired on [^"]*" type="error">/)
  })

  test('junit: a warning is a passing test with its text unless --fail-on warning; every report validates against junit-10.xsd', {skip: schemaSkip}, async () => {
    const args = ['check', '--only', 'linkerd-identity.issuer-cert-not-expiring', '-o', 'junit', '--kubeconfig', broken.kubeconfigPath]
    const [green, red] = await Promise.all([runCli(args), runCli([...args, '--fail-on', 'warning'])])
    // Exit 0: the run passes, so CI must show no red test for it.
    assert.equal(green.code, 0, green.stderr)
    assertValidJUnit(green.stdout)
    assert.deepEqual(assertJUnitStructure(green.stdout).totals, {tests: 1, failures: 0, errors: 0, skipped: 0})
    assert.match(green.stdout, /<testcase name="linkerd-identity.issuer-cert-not-expiring: [^"]*" classname="linkerd-identity" time="[\d.]+">\n\s+<system-out>warning: issuer certificate [^<]* expired on [^<]*\nsee https:\/\/linkerd.io\/2\/checks\/#[^<]* for hints<\/system-out>/)
    assert.equal(red.code, 1, red.stderr)
    assertValidJUnit(red.stdout)
    assert.deepEqual(assertJUnitStructure(red.stdout).totals, {tests: 1, failures: 1, errors: 0, skipped: 0})
    assert.match(red.stdout, /<failure message="issuer certificate [^"]*" type="warning">/)
    // The whole broken report, one stopped by a fatal check, and the one of a run that cannot start.
    const extras = [['--proxy', '--offline'], ['-L', 'nowhere'], ['--no-such-flag']]
    const runs = await Promise.all(extras.map((extra) => runCli(['check', '-o', 'junit', '--kubeconfig', broken.kubeconfigPath, ...extra])))
    runs.forEach((r, i) => {
      assert.notEqual(r.stdout, '', extras[i]!.join(' '))
      assertValidJUnit(r.stdout)
    })
  })

  test('--wait: each category is printed when it is done, not all at the end', async () => {
    // The broken control plane keeps control-plane-pods-ready failing: the wait runs to its end.
    const child = spawn(process.execPath, [binPath, 'check', '--offline', '--wait', '4s', '--kubeconfig', broken.kubeconfigPath], {env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let firstBlockAt = 0
    const started = Date.now()
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (firstBlockAt === 0 && /^kubernetes-api\n-+\n(√ .*\n)+\n/.test(stdout)) firstBlockAt = Date.now()
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const ended = Date.now()
    assert.equal(code, 1)
    assert.ok(firstBlockAt > 0, stdout)
    assert.ok(ended - firstBlockAt >= 2_500, `kubernetes-api printed ${firstBlockAt - started} ms in, the run ended ${ended - started} ms in`)
    // Printed piece by piece, the report is the one a run without --wait prints.
    const once = await runCli(['check', '--offline', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(stdout, once.stdout)
  })

  test('--only and --skip select checks; unknown ids are usage errors', async () => {
    const only = await runCli(['check', '--only', 'linkerd-identity.trust-anchors-time-valid,kubernetes-version', '-o', 'json', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(only.code, 0, only.stderr)
    assert.deepEqual([...checksOf(JSON.parse(only.stdout) as JsonReport).keys()], ['kubernetes-version.minimum-version', 'linkerd-identity.trust-anchors-time-valid'])
    const skipped = await runCli(['check', '--skip', 'linkerd-identity,linkerd-existence', '--offline', '-o', 'short', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(skipped.code, 0, skipped.stdout)
    const unknown = await runCli(['check', '--only', 'linkerd-identity.nope', '--kubeconfig', broken.kubeconfigPath])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown check id "linkerd-identity.nope"/)
  })

  test('a check past --check-timeout is a timeout naming what it waited for, exit 4', async () => {
    const r = await runCli(['check', '--proxy', '--only', 'data-plane.admin-ready', '--check-timeout', '1ms', '-o', 'json', '--kubeconfig', healthy.kubeconfigPath])
    assert.equal(r.code, 4, r.stderr)
    const check = checksOf(JSON.parse(r.stdout) as JsonReport).get('data-plane.admin-ready')
    assert.equal(check?.result, 'timeout')
    assert.match(check?.error ?? '', /^timed out after 1ms waiting for (pods in all namespaces|pod\/\S+ in \S+)/)
  })

  test('--fail-on warning fails on an expiring issuer', async () => {
    const sim = await startSim({scenario: {name: 'expiring', linkerd: {namespace: 'linkerd', issuerCertValidHours: 240}, namespaces: []}})
    try {
      const args = ['check', '--offline', '-o', 'json', '--kubeconfig', sim.kubeconfigPath]
      const lenient = await runCli(args)
      assert.equal(lenient.code, 0, lenient.stdout)
      const issuer = checksOf(JSON.parse(lenient.stdout) as JsonReport).get('linkerd-identity.issuer-cert-not-expiring')
      assert.equal(issuer?.result, 'warning')
      assert.match(issuer?.error ?? '', /in (9|10) days/)
      const strict = await runCli([...args, '--fail-on', 'warning'])
      assert.equal(strict.code, 1)
      assert.equal((JSON.parse(strict.stdout) as JsonReport).success, false)
    } finally {
      await sim.stop()
    }
  })

  test('an unreachable version service gives warnings, not failures', async () => {
    const r = await runCli(['check', '-o', 'json', '--version-check-url', 'http://127.0.0.1:2/version.json', '--kubeconfig', healthy.kubeconfigPath])
    assert.equal(r.code, 0, r.stdout)
    const latest = checksOf(JSON.parse(r.stdout) as JsonReport).get('linkerd-version.latest-version')
    assert.equal(latest?.result, 'warning')
    assert.match(latest?.error ?? '', /cannot reach 127\.0\.0\.1:2 \(ECONNREFUSED\); use --offline/)
  })

  test('--pre on an installed cluster fails the namespace check', async () => {
    const r = await runCli(['check', '--pre', '-o', 'json', '--kubeconfig', healthy.kubeconfigPath])
    assert.equal(r.code, 1)
    assert.match(checksOf(JSON.parse(r.stdout) as JsonReport).get('pre-kubernetes-setup.namespace-absent')?.error ?? '', /The "linkerd" namespace already exists/)
  })

  test('--pre on a bare cluster passes; denied permissions fail by name', async () => {
    // Scenario files, not objects: startSim takes an object with `forbidden` for a normalised one.
    const dir = mkdtempSync(join(tmpdir(), 'meshport-check-pre-'))
    writeFileSync(join(dir, 'bare.yaml'), 'name: bare\nnamespaces: []\n')
    writeFileSync(join(dir, 'locked.yaml'), 'name: locked\nnamespaces: []\nforbidden:\n- {resource: clusterroles, verbs: [create]}\n- {resource: secrets, verbs: [get], namespace: linkerd}\n')
    const sims: Sim[] = []
    try {
      const bare = await startSim({scenario: join(dir, 'bare.yaml')})
      sims.push(bare)
      const locked = await startSim({scenario: join(dir, 'locked.yaml')})
      sims.push(locked)
      const ok = await runCli(['check', '--pre', '--kubeconfig', bare.kubeconfigPath])
      assert.equal(ok.code, 0, ok.stdout)
      assert.match(ok.stdout, /pre-kubernetes-setup\n-+\n√ control plane namespace does not already exist\n√ can create non-namespaced resources\n/)
      const denied = await runCli(['check', '--pre', '-o', 'json', '--kubeconfig', locked.kubeconfigPath])
      assert.equal(denied.code, 1, denied.stderr)
      const checks = checksOf(JSON.parse(denied.stdout) as JsonReport)
      assert.match(checks.get('pre-kubernetes-setup.can-create-cluster-resources')?.error ?? '', /missing permission to create clusterroles/)
      assert.match(checks.get('pre-kubernetes-setup.can-read-secrets')?.error ?? '', /missing permission to get secrets in linkerd/)
      assert.equal(checks.get('pre-kubernetes-setup.can-create-secrets')?.result, 'success')
    } finally {
      await Promise.all(sims.map((sim) => sim.stop()))
      rmSync(dir, {force: true, recursive: true})
    }
  })

  test('no cluster: exit 3 with a one-line cause; JSON and JUnit still write their document, with the failure in it', async () => {
    // A kubeconfig whose API server has just gone away.
    const sim = await startSim({scenario: 'healthy'})
    const dir = mkdtempSync(join(tmpdir(), 'meshport-check-'))
    const path = join(dir, 'kubeconfig')
    writeFileSync(path, readFileSync(sim.kubeconfigPath, 'utf8'))
    await sim.stop()
    try {
      for (const output of ['table', 'json', 'junit']) {
        const r = await runCli(['check', '-o', output, '--kubeconfig', path, '--request-timeout', '3s'])
        assert.equal(r.code, 3, `${output}: ${r.stderr}`)
        const lines = r.stderr.trim().split('\n')
        assert.match(lines[0] ?? '', /^Error: /)
        assert.ok(lines.length <= 2, r.stderr)
        if (output === 'table') assert.equal(r.stdout, '')
        if (output === 'json') {
          const report = JSON.parse(r.stdout) as JsonReport & {error: {code: string; message: string; exitCode: number}}
          assert.equal(report.success, false)
          assert.deepEqual({code: report.error.code, exitCode: report.error.exitCode}, {code: 'KUBE_UNREACHABLE', exitCode: 3})
          assert.equal(`Error: ${report.error.message}`, lines[0])
          assert.deepEqual([...checksOf(report).keys()], ['kubernetes-api.can-query-api'])
          assert.equal(checksOf(report).get('kubernetes-api.can-query-api')?.result, 'error')
        }
        if (output === 'junit') {
          if (!schemaSkip) assertValidJUnit(r.stdout)
          const {suites, totals} = assertJUnitStructure(r.stdout)
          assert.deepEqual(totals, {tests: 1, failures: 1, errors: 0, skipped: 0})
          assert.equal(suites[0]?.attrs.name, 'kubernetes-api')
          const testcase = suites[0]?.children[0]
          assert.equal(testcase?.attrs.name, 'kubernetes-api.can-query-api: can query the Kubernetes API')
          assert.equal(`Error: ${testcase?.children[0]?.attrs.message}`, lines[0])
        }
      }
      const missing = await runCli(['check', '--kubeconfig', join(dir, 'missing')])
      assert.equal(missing.code, 3)
      assert.equal(missing.stdout, '')
      const missingJson = await runCli(['check', '-o', 'json', '--kubeconfig', join(dir, 'missing')])
      assert.equal(missingJson.code, 3)
      const report = JSON.parse(missingJson.stdout) as JsonReport & {error: {code: string; hint: string}}
      assert.equal(report.error.code, 'KUBECONFIG_MISSING')
      assert.match(report.error.hint, /--kubeconfig/)
      assert.match(checksOf(report).get('kubernetes-api.can-initialize-client')?.error ?? '', /not found\n.*--kubeconfig/)
      // A server that accepts TCP connections but never completes TLS: unreachable, "no usable cluster".
      const sockets = new Set<Socket>()
      const silent = createServer((socket) => sockets.add(socket))
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const port = (silent.address() as AddressInfo).port
        const stalled = join(dir, 'stalled')
        writeFileSync(stalled, readFileSync(path, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/g, `server: https://127.0.0.1:${port}`))
        const r = await runCli(['check', '-o', 'json', '--kubeconfig', stalled, '--request-timeout', '1s'])
        assert.equal(r.code, 3, r.stderr)
        assert.match(r.stderr, /^Error: /)
        const stalledReport = JSON.parse(r.stdout) as JsonReport & {error: {exitCode: number}}
        assert.equal(stalledReport.error.exitCode, 3)
        assert.equal(checksOf(stalledReport).get('kubernetes-api.can-query-api')?.result, 'error')
      } finally {
        silent.close()
        for (const socket of sockets) socket.destroy()
      }
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })

  test('usage errors exit 2; in JSON and JUnit the document says why', async () => {
    assert.equal((await runCli(['check', '--pre', '--proxy'])).code, 2)
    assert.equal((await runCli(['check', '-n', 'shop'])).code, 2)
    assert.equal((await runCli(['check', '-o', 'yaml'])).code, 2)
    const wait = await runCli(['check', '--wait', 'soon'])
    assert.equal(wait.code, 2)
    assert.equal(wait.stdout, '')
    const json = await runCli(['check', '-o', 'json', '--wait', 'soon'])
    assert.equal(json.code, 2)
    const report = JSON.parse(json.stdout) as JsonReport & {error: {code: string; message: string; exitCode: number}}
    assert.deepEqual(report.error, {code: 'USAGE', message: 'invalid --wait "soon"', hint: 'use a duration such as 30s, 5m or 60d', exitCode: 2})
    assert.equal(checksOf(report).get('meshport-check.run')?.result, 'error')
    // A flag oclif itself rejects, with the format given as -ojunit.
    const junit = await runCli(['check', '-ojunit', '--no-such-flag'])
    assert.equal(junit.code, 2)
    assert.equal(assertJUnitStructure(junit.stdout).totals.failures, 1)
    assert.match(junit.stdout, /no-such-flag/)
  })
})
