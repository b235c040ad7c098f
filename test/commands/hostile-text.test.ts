// Text that a pod creator, a manifest author or a broken API server controls, in every field each
// command prints: annotation values, owner names, container and condition messages, metric
// labels (identities), API Status messages, resource names in manifests. On every stream meant
// for a terminal it must arrive escaped (src/output/terminal.ts); data (JSON, YAML) stays as it was.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {hasControl} from '../../src/output/terminal.js'
import {runCli, type CliResult} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

/** A window title with a bell, a screen clear and a C1 CSI: what the issue found reaching terminals. */
const HOSTILE = '\u001B]0;pwned\u0007\u001B[2J\u009B31m'
/** Its visible form, as terminalSafe shows it. */
const SHOWN = '^[]0;pwned^G^[[2JM-^[31m'

/** No byte a terminal would act on, on stderr and (unless it is data) stdout, and the hostile text was shown escaped. */
function assertShownEscaped(r: CliResult, options: {stdoutIsData?: boolean} = {}): void {
  assert.ok(!hasControl(r.stderr), `raw control byte on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`)
  if (!options.stdoutIsData) assert.ok(!hasControl(r.stdout), `raw control byte on stdout: ${JSON.stringify(r.stdout.slice(0, 300))}`)
  assert.ok(`${r.stdout}${r.stderr}`.includes(SHOWN), `the hostile text was not printed (escaped) at all:\n${r.stdout}\n${r.stderr}`)
}

describe('hostile text in manifests (offline)', () => {
  let dir: string
  let manifest: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-hostile-'))
    manifest = join(dir, 'app.yml')
    // YAML keeps control characters as escapes in double quotes; the parsed names hold the raw bytes.
    const name = JSON.stringify(`web${HOSTILE}`)
    writeFileSync(
      manifest,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${JSON.stringify(`shop${HOSTILE}`)}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        config.linkerd.io/opaque-ports: ${JSON.stringify(`${HOSTILE}8080`)}
    spec:
      containers:
      - name: ${JSON.stringify(`app${HOSTILE}`)}
        image: web
        ports: [{containerPort: 8080, name: http}]
`,
    )
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('inject and uninject: the report on stderr is escaped, the manifest on stdout is byte for byte', async () => {
    const injected = await runCli(['inject', manifest])
    assert.equal(injected.code, 0, injected.stderr)
    assertShownEscaped(injected, {stdoutIsData: true})
    assert.match(injected.stderr, /deployment "web\^\[\]0;pwned\^G/)
    assert.ok(injected.stdout.includes(JSON.stringify(`web${HOSTILE}`)), 'the manifest keeps its own escapes')
    const json = await runCli(['inject', manifest, '-o', 'json'])
    assert.equal(json.code, 0, json.stderr)
    assert.equal((JSON.parse(json.stdout) as {metadata: {name: string}}).metadata.name, `web${HOSTILE}`)
    const injectedFile = join(dir, 'injected.yml')
    writeFileSync(injectedFile, injected.stdout)
    const uninjected = await runCli(['uninject', injectedFile])
    assert.equal(uninjected.code, 0, uninjected.stderr)
    assertShownEscaped(uninjected, {stdoutIsData: true})
  })

  test('diagnose ports -f: names, containers and annotation values escaped in the table; JSON keeps them', async () => {
    const table = await runCli(['diagnose', 'ports', '-f', manifest])
    assertShownEscaped(table)
    assert.match(table.stdout, /deployment\/web\^\[\]0;pwned\^G\^\[\[2JM-\^\[31m in shop\^\[/)
    const json = await runCli(['diagnose', 'ports', '-f', manifest, '-o', 'json'])
    const report = JSON.parse(json.stdout) as {targets: Array<{subject: {name: string}}>; problems: Array<{message: string}>}
    assert.equal(report.targets[0]?.subject.name, `web${HOSTILE}`)
    assert.ok(report.problems.some((p) => p.message.includes(`"${HOSTILE}8080"`)), json.stdout)
    assert.ok(!hasControl(json.stderr))
  })
})

describe('hostile text from the cluster', () => {
  let sim: Sim
  let web: string
  let bot: string
  before(async () => {
    sim = await startSim({
      scenario: {
        name: 'hostile',
        kubernetesVersion: 'v1.32.4',
        nodes: 1,
        linkerd: {namespace: 'linkerd', version: 'edge-26.8.3', components: {destination: 'ready', identity: 'ready', 'proxy-injector': 'ready'}},
        namespaces: [
          {
            name: 'hostile',
            annotations: {'linkerd.io/inject': 'enabled', 'config.linkerd.io/skip-outbound-ports': `${HOSTILE}443`},
            workloads: [
              {
                kind: 'Deployment',
                name: 'web',
                replicas: 1,
                meshed: true,
                // A service account name reaches the proxies' metrics as the identity label.
                serviceAccount: `web${HOSTILE}`,
                annotations: {'config.linkerd.io/opaque-ports': `${HOSTILE}8080`},
                containers: [{name: 'web', ports: [8080]}],
                traffic: {clients: ['bot'], rps: 5, successRate: 1, latencyMs: {p50: 5, p95: 10, p99: 20}, tcpConnections: 1},
              },
              {kind: 'Deployment', name: 'bot', replicas: 1, meshed: true, containers: [{name: 'bot', ports: []}]},
            ],
          },
        ],
        // A pod of a custom owner whose name, container state and condition messages are hostile.
        objects: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: 'clone-1',
              namespace: 'hostile',
              labels: {'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/workload-ns': 'hostile'},
              annotations: {'linkerd.io/inject': 'enabled'},
              ownerReferences: [{apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: `clone${HOSTILE}`, uid: 'u1', controller: true}],
            },
            spec: {nodeName: 'sim-node-0', containers: [{name: 'app', image: 'app'}, {name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-26.8.3', ports: [{name: 'linkerd-admin', containerPort: 4191}]}]},
            status: {
              phase: 'Running',
              conditions: [{type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `not ready ${HOSTILE}`}],
              containerStatuses: [
                {name: 'linkerd-proxy', ready: false, restartCount: 2, image: 'x', imageID: 'x', state: {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${HOSTILE}`}}, lastState: {terminated: {reason: `Error${HOSTILE}`, exitCode: 1}}},
                {name: 'app', ready: true, restartCount: 0, image: 'x', imageID: 'x', state: {running: {}}},
              ],
            },
          },
        ],
      },
    })
    web = sim.cluster.podsOf('hostile', 'web')[0]!.name
    bot = sim.cluster.podsOf('hostile', 'bot')[0]!.name
  })
  after(() => sim.stop())

  const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--kubeconfig', sim.kubeconfigPath])

  test('check --proxy: table, -o short and JSON', async () => {
    const [table, short, json] = await Promise.all([
      cli(['check', '--proxy', '-n', 'hostile', '--offline']),
      cli(['check', '--proxy', '-n', 'hostile', '--offline', '-o', 'short']),
      cli(['check', '--proxy', '-n', 'hostile', '--offline', '-o', 'json']),
    ])
    for (const r of [table, short]) {
      assert.equal(r.code, 1, r.stderr)
      assertShownEscaped(r)
      assert.ok(r.stdout.includes(`back-off ${SHOWN}`), 'the container message')
      assert.ok(r.stdout.includes(`"${SHOWN}8080"`), 'the annotation value')
    }
    const report = JSON.parse(json.stdout) as {categories: Array<{checks: Array<{error?: string}>}>}
    assert.ok(report.categories.some((c) => c.checks.some((k) => k.error?.includes(`back-off ${HOSTILE}`))), 'JSON keeps the text as it was')
  })

  test('viz stat: owner names in the table, pod errors in warnings', async () => {
    const r = await cli(['viz', 'stat', 'cloneset', '-n', 'hostile', '-t', '1s'])
    assertShownEscaped(r)
    assert.match(r.stdout, /^clone\^\[\]0;pwned\^G\^\[\[2JM-\^\[31m +0\/1 /m)
    const json = await cli(['viz', 'stat', 'cloneset', '-n', 'hostile', '-t', '1s', '-o', 'json'])
    assert.ok(json.stdout.includes(JSON.stringify(`clone${HOSTILE}`).slice(1, -1)), 'JSON keeps the name as it was')
  })

  test('diagnose pod: owner, container state, annotations, metric labels; also in colour', async () => {
    const [clone, server, client, coloured] = await Promise.all([
      cli(['diagnose', 'pod', 'clone-1', '-n', 'hostile']),
      cli(['diagnose', 'pod', web, '-n', 'hostile']),
      cli(['diagnose', 'pod', bot, '-n', 'hostile']),
      cli(['diagnose', 'pod', 'clone-1', '-n', 'hostile', '--color', 'always']),
    ])
    for (const r of [clone, server, client]) assertShownEscaped(r)
    assert.match(clone.stdout, /owner: +cloneset\/clone\^\[\]0;pwned/)
    assert.match(clone.stdout, /last: Error\^\[\]0;pwned/)
    assert.match(server.stdout, /"\^\[\]0;pwned\^G\^\[\[2JM-\^\[31m8080"/)
    assert.match(client.stdout, /server ids: +web\^\[\]0;pwned\^G\^\[\[2JM-\^\[31m\.hostile\.serviceaccount/)
    // Colour is still there, and meshport's own SGR sequences are the only escapes on the stream.
    assert.ok(coloured.stdout.includes(SHOWN))
    let rest = coloured.stdout
    for (const sgr of [1, 2, 22, 31, 32, 33, 36, 39].map((n) => `\u001B[${n}m`)) rest = rest.replaceAll(sgr, '')
    assert.notEqual(rest, coloured.stdout, 'colour was asked for')
    assert.ok(!hasControl(rest), JSON.stringify(rest.slice(0, 300)))
  })

  test('diagnose ports (live) and proxy-metrics', async () => {
    const [ports, metrics] = await Promise.all([cli(['diagnose', 'ports', 'po', '-n', 'hostile']), cli(['diagnose', 'proxy-metrics', `po/${bot}`, '-n', 'hostile'])])
    assertShownEscaped(ports)
    assert.ok(ports.stdout.includes(`"${SHOWN}443"`), 'the namespace annotation value')
    // The proxy's own text, with its identity labels, shown the same way.
    assertShownEscaped(metrics)
  })

  test('errors: an API Status message and a body that is not JSON', async () => {
    sim.cluster.injectApiError({path: '/namespaces/broken/', status: 500, message: `etcd says ${HOSTILE}`})
    const [status, json] = await Promise.all([cli(['viz', 'stat', 'deploy', '-n', 'broken']), cli(['diagnose', 'ports', 'po', '-n', 'broken', '-o', 'json'])])
    assert.equal(status.code, 1)
    assertShownEscaped(status)
    assert.equal(status.stdout, '')
    assert.match(status.stderr, /^Error: list pods in broken: etcd says \^\[\]0;pwned/)
    // In JSON mode the error document on stdout is data: JSON escapes the bytes itself.
    assert.equal(json.code, 1)
    assert.ok(!hasControl(json.stderr))
    assert.equal((JSON.parse(json.stdout) as {error: {message: string}}).error.message, `list pods in broken: etcd says ${HOSTILE}`)
  })
})
