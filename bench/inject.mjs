#!/usr/bin/env node
// Benchmarks inject where it runs, in one run so that the machine's load affects every side alike:
// - start-up, a 10-document file: inject, inject --manual and uninject against a bare
//   `node -e 0` (a pre-commit hook, a Helm post-renderer, a KRM function call inject once per file);
// - 5,000 documents against `kubectl annotate --local` (wall time);
// - 50,000 documents (about 20 MB) against kubectl (peak RSS and wall time);
// - `meshport --version` against `node -e 0`; and --manual against annotate mode on 50,000.
// Ratios are medians of paired runs (A and B in turn, alternating which goes first), and the
// closing summary prints each against its goal (issue 21; --manual vs annotate: issue 7).
//
//   node bench/inject.mjs [--pairs 15] [--runs 3] [--small 1000] [--large 10000] [--keep] [--manual-only]
// --pairs: paired runs of each start-up ratio; --runs: paired runs of the large comparisons;
// --small/--large: groups of 5 documents; --manual-only: just --manual vs annotate (issue 7).
// Needs a build (node scripts/build.mjs): it runs bin/run.js as a user does. kubectl comparisons
// are skipped when kubectl is not installed; peak RSS needs GNU time (/usr/bin/time).
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {median, option} from './spawn-cli.mjs'

const pairs = Number(option('pairs', '15'))
const runs = Number(option('runs', '3'))
const smallGroups = Number(option('small', '1000'))
const largeGroups = Number(option('large', '10000'))
const manualOnly = process.argv.includes('--manual-only')
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const node = process.execPath

/** One group: a commented Deployment, a Service, a StatefulSet with an init container, a CronJob and a ConfigMap. */
function group(i) {
  return `---
# web-${i}: storefront (Flux updates the image tag below)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
  namespace: shop # owned by team shop
  labels:
    app.kubernetes.io/name: web-${i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web-${i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web-${i}
    spec:
      containers:
      - name: web
        image: ghcr.io/example/web:1.2.${i} # {"$imagepolicy": "flux-system:web"}
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: MODE
          value: "production"
        resources:
          requests: {cpu: 100m, memory: 64Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web-${i}
  namespace: shop
spec:
  selector: {app.kubernetes.io/name: web-${i}}
  ports:
  - port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-${i}
  namespace: shop
spec:
  serviceName: db-${i}
  selector:
    matchLabels: {app: db-${i}}
  template:
    metadata:
      labels: {app: db-${i}}
      annotations:
        backup.example.com/schedule: daily
    spec:
      initContainers:
      - name: init-perms
        image: busybox:1.36
        command: ['sh', '-c', 'chown -R 999:999 /var/lib/postgresql/data']
      containers:
      - name: db
        image: postgres:16.4
        ports:
        - containerPort: 5432
          name: postgres
---
# nightly report
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-${i}
  namespace: shop
spec:
  schedule: '*/10 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: ghcr.io/example/report:2.0.${i}
            args: ["--since", "10m", "--format=json"]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config-${i}
  namespace: shop
data:
  app.properties: |
    feature.checkout=true
    feature.search=false
`
}

// Chart values for --manual: the injector needs the control plane's trust anchors (any PEM here).
const MANUAL_VALUES = `identityTrustAnchorsPEM: |
  -----BEGIN CERTIFICATE-----
  MIIBwTCCAWagAwIBAgIQeDZp5lDaIygQ5UfMKZrFATAKBggqhkjOPQQDAjApMScw
  -----END CERTIFICATE-----
`

function generate(groups) {
  const parts = []
  for (let i = 0; i < groups; i++) parts.push(group(i))
  return parts.join('')
}

function hasKubectl() {
  return spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status === 0
}

const gnuTime = (() => {
  try {
    return statSync('/usr/bin/time').isFile()
  } catch {
    return false
  }
})()

/**
 * Wall time (ms), peak RSS (KiB) and CPU time (ms) of one run, output discarded. `usage`: through
 * GNU time (NaN without it); start-up ratios go without, so that its own start-up does not
 * dilute them.
 */
function measure([command, ...argv], usage = true) {
  const timed = usage && gnuTime
  const started = performance.now()
  const result = timed
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', command, ...argv], {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
    : spawnSync(command, argv, {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${result.status}): ${result.stderr.toString().slice(-500)}`)
  const lines = result.stderr.toString().trim().split('\n')
  const [rss, user, sys] = timed ? lines[lines.length - 1].split(' ').map(Number) : [Number.NaN, Number.NaN, Number.NaN]
  return {ms, rss, cpu: (user + sys) * 1000}
}

/** Runs A and B `n` times in turn (alternating which goes first); medians and the median of the pair ratios. */
function paired(a, b, n, usage = true) {
  const as = []
  const bs = []
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      as.push(measure(a, usage))
      bs.push(measure(b, usage))
    } else {
      bs.push(measure(b, usage))
      as.push(measure(a, usage))
    }
  }
  const ratio = (key) => median(as.map((r, i) => r[key] / bs[i][key]))
  return {
    a: {ms: median(as.map((r) => r.ms)), rss: Math.max(...as.map((r) => r.rss)), cpu: median(as.map((r) => r.cpu))},
    b: {ms: median(bs.map((r) => r.ms)), rss: Math.max(...bs.map((r) => r.rss)), cpu: median(bs.map((r) => r.cpu))},
    wall: ratio('ms'),
    rss: ratio('rss'),
    cpu: ratio('cpu'),
  }
}

const dir = mkdtempSync(join(tmpdir(), 'meshport-bench-'))
const kubectl = hasKubectl()
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`
const msecs = (ms) => `${ms.toFixed(0)} ms`
const mib = (kib) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`)
const x = (ratio) => (Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)}x`)
const annotate = (file) => ['kubectl', 'annotate', '--local', '-f', file, 'linkerd.io/inject=enabled', '-o', 'yaml']
const summary = []
const goal = (label, ratio, limit, of) => summary.push(`  ${label.padEnd(36)} ${x(ratio).padStart(6)} ${of} (goal <= ${limit}x)${ratio <= limit ? '' : '   MISSED'}`)

try {
  const tiny = join(dir, 'tiny.yml')
  const tinyInjected = join(dir, 'tiny-injected.yml')
  const small = join(dir, 'small.yml')
  const large = join(dir, 'large.yml')
  const values = join(dir, 'values.yml')
  writeFileSync(tiny, generate(2))
  writeFileSync(tinyInjected, spawnSync(node, [bin, 'inject', tiny], {encoding: 'utf8'}).stdout)
  writeFileSync(small, generate(smallGroups))
  writeFileSync(large, generate(largeGroups))
  writeFileSync(values, MANUAL_VALUES)
  const mb = (file) => (statSync(file).size / 1e6).toFixed(1)
  console.log(`inputs: 10, ${smallGroups * 5} (${mb(small)} MB) and ${largeGroups * 5} documents (${mb(large)} MB); ${pairs} pairs for start-up, ${runs} for the large comparisons`)

  if (!manualOnly) {
    startUp(tiny, tinyInjected, values)
    fiveThousand(small)
    fiftyThousand(large)
  }
  manualAgainstAnnotate(large, values)
  console.log(`\ngoals, this run:\n${summary.join('\n')}`)
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, {recursive: true, force: true})
  else console.log(`inputs kept in ${dir}`)
}

function startUp(tiny, tinyInjected, values) {
  console.log('\nstart-up, 10 documents (median of paired runs against node -e 0):')
  const bare = [node, '-e', '0']
  const lines = [
    ['inject', [node, bin, 'inject', tiny], 1.5],
    ['inject --manual', [node, bin, 'inject', '--manual', '--values', values, tiny], 2],
    ['uninject', [node, bin, 'uninject', tinyInjected], 1.5],
    ['--version', [node, bin, '--version'], 1.5],
  ]
  for (const [label, command, limit] of lines) {
    const r = paired(command, bare, pairs, false)
    console.log(`  meshport ${label}: ${msecs(r.a.ms)} against ${msecs(r.b.ms)}: ${x(r.wall)}`)
    goal(label === '--version' ? 'meshport --version' : `${label}, 10 documents`, r.wall, limit, 'node -e 0')
  }
}

function fiveThousand(small) {
  if (!kubectl) return console.log('\nkubectl not installed: 5,000-document comparison skipped')
  const r = paired([node, bin, 'inject', small], annotate(small), runs)
  console.log(`\n${smallGroups * 5} documents: meshport inject ${secs(r.a.ms)}, kubectl annotate --local ${secs(r.b.ms)}: ${x(r.wall)} wall`)
  goal(`${smallGroups * 5} documents, wall`, r.wall, 0.5, 'kubectl')
}

function fiftyThousand(large) {
  if (!kubectl) return console.log('\nkubectl not installed: 50,000-document comparison skipped')
  const r = paired([node, bin, 'inject', large], annotate(large), runs)
  console.log(`\n${largeGroups * 5} documents: meshport inject ${secs(r.a.ms)}, peak RSS ${mib(r.a.rss)}; kubectl annotate --local ${secs(r.b.ms)}, peak RSS ${mib(r.b.rss)}: ${x(r.rss)} memory, ${x(r.wall)} wall`)
  goal(`${largeGroups * 5} documents, peak RSS`, r.rss, 1.5, 'kubectl')
  goal(`${largeGroups * 5} documents, wall`, r.wall, 0.5, 'kubectl')
}

function manualAgainstAnnotate(large, values) {
  // --manual (issue 7): the full proxy sidecar written into every pod template of the same large
  // manifest, at most 1.5x annotate mode's wall time.
  const r = paired([node, bin, 'inject', '--manual', '--values', values, large], [node, bin, 'inject', large], runs)
  console.log(`\n${largeGroups * 5} documents: meshport inject --manual ${secs(r.a.ms)} (CPU ${secs(r.a.cpu)}), peak RSS ${mib(r.a.rss)}; annotate ${secs(r.b.ms)} (CPU ${secs(r.b.cpu)}), peak RSS ${mib(r.b.rss)}: ${x(r.wall)} wall, ${x(r.cpu)} CPU`)
  goal(`--manual, ${largeGroups * 5} documents, wall`, r.wall, 1.5, 'annotate')
}
