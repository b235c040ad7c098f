// End to end: `meshport diagnose ports -f` on manifests on disk (offline, no cluster needed).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'

const fixture = (name: string) => new URL(`../fixtures/diagnose/${name}`, import.meta.url).pathname

interface JsonProblem {
  rule: string
  severity: string
  subject: {kind: string; name: string; namespace?: string; container?: string; port?: number; source?: string}
  fix: string
}

describe('diagnose ports -f', () => {
  test('finds every planted problem with its rule id and names the workload (json)', async () => {
    const {code, stdout, stderr} = await runCli(['diagnose', 'ports', '-f', fixture('ports-broken.yaml'), '-o', 'json'])
    assert.equal(code, 1, stderr)
    const report = JSON.parse(stdout) as {schemaVersion: number; problems: JsonProblem[]; targets: unknown[]; counts: Record<string, number>}
    assert.equal(report.schemaVersion, 1)
    assert.equal(report.targets.length, 6)
    const found = report.problems.map((p) => `${p.rule} ${p.subject.kind}/${p.subject.name}${p.subject.port ? `:${p.subject.port}` : ''}`).sort()
    assert.deepEqual(found, [
      'ports.annotation-port-undeclared Deployment/api:9999',
      'ports.opaque-http Deployment/api:8080',
      'ports.opaque-off-cluster Deployment/orders:5432',
      'ports.proxy-port-conflict Deployment/mailer:4143',
      'ports.server-speaks-first Deployment/db:3306',
      'ports.server-speaks-first StatefulSet/nats:4222',
    ])
    assert.deepEqual(report.counts, {error: 3, warning: 3, info: 0})
    assert.match(report.problems[0]?.subject.source ?? '', /ports-broken\.yaml, document \d/)
    assert.match(stderr, /3 errors, 3 warnings/)
  })

  test('table output: a port table per workload, then the problems with fixes', async () => {
    const {code, stdout} = await runCli(['diagnose', 'ports', '-f', fixture('ports-broken.yaml')])
    assert.equal(code, 1)
    assert.match(stdout, /^deployment\/mailer in shop \(.*ports-broken\.yaml, document 2\)$/m)
    assert.match(stdout, /CONTAINER\s+PORT\s+NAME\s+PROTOCOL\s+MESH\s+NOTES/)
    assert.match(stdout, /mailer\s+4143\s+api\s+TCP\s+conflict/)
    assert.match(stdout, /× error ports\.proxy-port-conflict: deployment\/mailer in shop/)
    assert.match(stdout, /fix: move the application off 4143, or set config\.linkerd\.io\/inbound-port/)
  })

  test('clean input exits 0; JSON List items and stdin work', async () => {
    const text = readFileSync(fixture('ports-clean.json'), 'utf8')
    const {code, stdout, stderr} = await runCli(['diagnose', 'ports', '-f', '-', '-o', 'json'], {stdin: text})
    assert.equal(code, 0, stderr)
    const report = JSON.parse(stdout) as {problems: unknown[]; targets: Array<{subject: {source: string}; ports: Array<{port: number; mode: string}>}>}
    assert.deepEqual(report.problems, [])
    assert.equal(report.targets[0]?.subject.source, '<stdin>, document 1, item 1')
    assert.deepEqual(report.targets[0]?.ports.map((p) => `${p.port}:${p.mode}`), ['8080:proxied', '3306:opaque'])
    assert.match(stderr, /no problems found/)
  })

  test('bad YAML names file, document, line and column; a missing file is an input error', async () => {
    const bad = await runCli(['diagnose', 'ports', '-f', fixture('bad.yaml')])
    assert.equal(bad.code, 1)
    assert.equal(bad.stdout, '')
    assert.match(bad.stderr, /^Error: .*bad\.yaml \(document 1\):\d+:\d+: /m)
    const missing = await runCli(['diagnose', 'ports', '-f', fixture('nope.yaml')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /nope\.yaml: no such file or directory/)
  })

  test('a directory is read recursively', async () => {
    const {code, stdout} = await runCli(['diagnose', 'ports', '-f', new URL('../fixtures/diagnose/', import.meta.url).pathname, '-o', 'json'], {})
    // bad.yaml is in the directory too, so the run fails on it with the location: no report, the
    // error document instead (docs/exit-codes.md).
    assert.equal(code, 1)
    const {error} = JSON.parse(stdout) as {error: {code: string; message: string; exitCode: number}}
    assert.deepEqual([error.code, error.exitCode], ['BAD_INPUT', 1])
    assert.match(error.message, /bad\.yaml \(document 1\):\d+:\d+: /)
  })
})

describe('diagnose ports --only/--skip', () => {
  test('skipping the error rules turns the exit code to 0; unknown ids are usage errors', async () => {
    const skipped = await runCli(['diagnose', 'ports', '-f', fixture('ports-broken.yaml'), '-o', 'json', '--skip', 'ports.proxy-port-conflict,ports.server-speaks-first'])
    assert.equal(skipped.code, 0, skipped.stderr)
    const report = JSON.parse(skipped.stdout) as {problems: Array<{rule: string}>; counts: Record<string, number>}
    assert.deepEqual(report.counts, {error: 0, warning: 3, info: 0})
    const only = await runCli(['diagnose', 'ports', '-f', fixture('ports-broken.yaml'), '-o', 'json', '--only', 'ports.opaque-http'])
    assert.deepEqual((JSON.parse(only.stdout) as {problems: Array<{rule: string}>}).problems.map((p) => p.rule), ['ports.opaque-http'])
    const unknown = await runCli(['diagnose', 'ports', '-f', fixture('ports-broken.yaml'), '--skip', 'ports.nope'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown rule id "ports\.nope"/)
  })
})

describe('diagnose ports -f on Services', () => {
  test('off-cluster Services: opaque-ports there is flagged, server-speaks-first ports must be skipped by clients', async () => {
    const {code, stdout, stderr} = await runCli(['diagnose', 'ports', '-f', fixture('off-cluster-services.yaml'), '-o', 'json'])
    assert.equal(code, 0, stderr) // warnings only
    const report = JSON.parse(stdout) as {problems: JsonProblem[]; services: Array<{subject: {name: string}}>}
    assert.deepEqual(report.problems.map((p) => `${p.rule} ${p.subject.kind}/${p.subject.name}:${p.subject.port}`).sort(), [
      'ports.off-cluster-server-speaks-first Service/legacy-mysql:3306',
      'ports.opaque-off-cluster Service/billing-db:5432',
    ])
    assert.deepEqual(report.services.map((s) => s.subject.name), ['billing-db', 'legacy-mysql'])
    const table = await runCli(['diagnose', 'ports', '-f', fixture('off-cluster-services.yaml')])
    assert.match(table.stdout, /^service\/billing-db in shop \(.*off-cluster-services\.yaml, document 1\)\n {2}points outside the cluster/m)
  })
})

describe('diagnose without a usable cluster', () => {
  test('live subcommands exit 3 with a one-line cause; stdout is empty, or the error document with -o json', async () => {
    const runs = await Promise.all([
      runCli(['diagnose', 'ports', 'deploy/web', '--kubeconfig', '/nonexistent/kubeconfig']),
      runCli(['diagnose', 'pod', 'web-1', '--kubeconfig', '/nonexistent/kubeconfig', '-o', 'json']),
      runCli(['diagnose', 'proxy-metrics', 'po/web-1', '--kubeconfig', '/nonexistent/kubeconfig']),
      runCli(['diagnose', 'bundle', '/nonexistent/out.tar.gz', '--kubeconfig', '/nonexistent/kubeconfig']),
    ])
    for (const [i, r] of runs.entries()) {
      assert.equal(r.code, 3, r.stderr)
      assert.match(r.stderr, /^Error: kubeconfig file \/nonexistent\/kubeconfig not found\nHint: /)
      if (i !== 1) assert.equal(r.stdout, '')
    }
    const json = JSON.parse(runs[1]?.stdout ?? '') as {schemaVersion: number; error: {code: string; exitCode: number}}
    assert.deepEqual([json.schemaVersion, json.error.code, json.error.exitCode], [1, 'KUBECONFIG_MISSING', 3])
  })

  test('-f and TARGET together is a usage error', async () => {
    const r = await runCli(['diagnose', 'ports', 'deploy/web', '-f', fixture('ports-clean.json')])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /either TARGETs/)
  })
})

describe('diagnose ports -f on custom kinds', () => {
  test('Argo Rollout by preset, others with --pod-template-path', async () => {
    const plain = await runCli(['diagnose', 'ports', '-f', fixture('custom-kinds.yaml'), '-o', 'json'])
    const p1 = JSON.parse(plain.stdout) as {problems: JsonProblem[]; targets: Array<{subject: {kind: string}}>}
    assert.deepEqual(p1.targets.map((t) => t.subject.kind), ['Rollout'])
    assert.deepEqual(p1.problems.map((p) => `${p.rule} ${p.subject.kind}/${p.subject.name}`), ['ports.proxy-port-conflict Rollout/web'])
    const custom = await runCli(['diagnose', 'ports', '-f', fixture('custom-kinds.yaml'), '-o', 'json', '--pod-template-path', 'apps.kruise.io/CloneSet=.spec.template'])
    const p2 = JSON.parse(custom.stdout) as {targets: Array<{subject: {kind: string}; ports: Array<{port: number; mode: string}>}>}
    assert.deepEqual(p2.targets.map((t) => t.subject.kind), ['Rollout', 'CloneSet'])
    assert.deepEqual(p2.targets[1]?.ports.map((r) => `${r.port}:${r.mode}`), ['6379:opaque'])
    const bad = await runCli(['diagnose', 'ports', '-f', fixture('custom-kinds.yaml'), '--pod-template-path', 'nope'])
    assert.equal(bad.code, 2)
  })
})
