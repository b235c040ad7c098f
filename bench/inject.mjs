#!/usr/bin/env node
// Benchmarks `meshport inject` against `kubectl annotate --local` on the same generated manifest,
// in the same run (so the machine's load affects both alike), and prints the ratios.
// Targets (issue 2): 5,000 documents in at most 0.5x kubectl's wall time; 50,000 documents (about
// 17 MB) with peak memory at most 2x kubectl's; `meshport --version` within 1.5x of `node -e 0`.
//
//   node bench/inject.mjs [--runs 3] [--small 1000] [--large 10000] [--keep] [--manual-only]
// (--manual-only: just the --manual vs annotate comparison, for issue 7 work)
// Needs a build (node scripts/build.mjs): it runs bin/run.js as a user does. kubectl comparisons
// are skipped when kubectl is not installed.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {option} from './spawn-cli.mjs'

const runs = Number(option('runs', '3'))
const smallGroups = Number(option('small', '1000'))
const largeGroups = Number(option('large', '10000'))
const manualOnly = process.argv.includes('--manual-only')
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))

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

/** Wall time (ms), peak RSS (KiB) and CPU time (ms, user + system; both from GNU time when present) of one run, output discarded. */
function measure(command, argv) {
  const time = statSafe('/usr/bin/time')
  const started = performance.now()
  const result = time
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', command, ...argv], {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
    : spawnSync(command, argv, {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26})
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${result.status}): ${result.stderr.toString().slice(-500)}`)
  const lines = result.stderr.toString().trim().split('\n')
  const [rss, user, sys] = time ? lines[lines.length - 1].split(' ').map(Number) : [Number.NaN, Number.NaN, Number.NaN]
  return {ms, rss, cpu: (user + sys) * 1000}
}

function statSafe(path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function best(command, argv, n) {
  const samples = []
  for (let i = 0; i < n; i++) samples.push(measure(command, argv))
  return {ms: Math.min(...samples.map((s) => s.ms)), rss: Math.max(...samples.map((s) => s.rss))}
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const dir = mkdtempSync(join(tmpdir(), 'meshport-bench-'))
const kubectl = hasKubectl()
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`
const mib = (kib) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`)
try {
  const small = join(dir, 'small.yml')
  const large = join(dir, 'large.yml')
  writeFileSync(small, generate(smallGroups))
  writeFileSync(large, generate(largeGroups))
  console.log(`inputs: ${smallGroups * 5} documents (${(statSync(small).size / 1e6).toFixed(1)} MB), ${largeGroups * 5} documents (${(statSync(large).size / 1e6).toFixed(1)} MB); best of ${runs} runs`)

  if (!manualOnly) compareWithKubectl(small, large)
  compareManual(large)
  if (!manualOnly) startupTime()
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, {recursive: true, force: true})
  else console.log(`inputs kept in ${dir}`)
}

function compareWithKubectl(small, large) {
  const ours = best(process.execPath, [bin, 'inject', small], runs)
  console.log(`\n${smallGroups * 5} documents: meshport inject ${fmt(ours.ms)}`)
  if (kubectl) {
    const theirs = best('kubectl', ['annotate', '--local', '-f', small, 'linkerd.io/inject=enabled', '-o', 'yaml'], runs)
    console.log(`${smallGroups * 5} documents: kubectl annotate --local ${fmt(theirs.ms)}`)
    console.log(`ratio meshport/kubectl wall time: ${(ours.ms / theirs.ms).toFixed(2)}x (target <= 0.5x)`)
  } else {
    console.log('kubectl not installed: comparison skipped')
  }

  const oursLarge = best(process.execPath, [bin, 'inject', large], 1)
  console.log(`\n${largeGroups * 5} documents: meshport inject ${fmt(oursLarge.ms)}, peak RSS ${mib(oursLarge.rss)}`)
  if (kubectl) {
    const theirsLarge = best('kubectl', ['annotate', '--local', '-f', large, 'linkerd.io/inject=enabled', '-o', 'yaml'], 1)
    console.log(`${largeGroups * 5} documents: kubectl annotate --local ${fmt(theirsLarge.ms)}, peak RSS ${mib(theirsLarge.rss)}`)
    console.log(`ratio meshport/kubectl peak memory: ${(oursLarge.rss / theirsLarge.rss).toFixed(2)}x (target <= 2x); wall time ${(oursLarge.ms / theirsLarge.ms).toFixed(2)}x`)
  }
}

function compareManual(large) {

  // --manual (issue 7): the full proxy sidecar written into every pod template of the same large
  // manifest, at most 1.5x annotate mode's wall time. Runs alternate so load affects both alike.
  const values = join(dir, 'values.yml')
  writeFileSync(values, MANUAL_VALUES)
  const annotateRuns = []
  const manualRuns = []
  for (let i = 0; i < runs; i++) {
    annotateRuns.push(measure(process.execPath, [bin, 'inject', large]))
    manualRuns.push(measure(process.execPath, [bin, 'inject', '--manual', '--values', values, large]))
  }
  const annotateMs = Math.min(...annotateRuns.map((r) => r.ms))
  const manualMs = Math.min(...manualRuns.map((r) => r.ms))
  // CPU time as well: on a shared, loaded machine wall time also counts waiting for a core.
  const annotateCpu = Math.min(...annotateRuns.map((r) => r.cpu))
  const manualCpu = Math.min(...manualRuns.map((r) => r.cpu))
  console.log(`\n${largeGroups * 5} documents: meshport inject ${fmt(annotateMs)} (CPU ${fmt(annotateCpu)}), peak RSS ${mib(Math.max(...annotateRuns.map((r) => r.rss)))}; meshport inject --manual ${fmt(manualMs)} (CPU ${fmt(manualCpu)}), peak RSS ${mib(Math.max(...manualRuns.map((r) => r.rss)))}`)
  console.log(`ratio --manual/annotate wall time: ${(manualMs / annotateMs).toFixed(2)}x (target <= 1.5x); CPU time ${(manualCpu / annotateCpu).toFixed(2)}x`)
}

function startupTime() {

  const startup = []
  const bare = []
  for (let i = 0; i < Math.max(5, runs * 3); i++) {
    bare.push(measure(process.execPath, ['-e', '0']).ms)
    startup.push(measure(process.execPath, [bin, '--version']).ms)
  }
  console.log(`\nnode -e 0: ${median(bare).toFixed(0)} ms; meshport --version: ${median(startup).toFixed(0)} ms (median); ratio ${(median(startup) / median(bare)).toFixed(2)}x (target <= 1.5x)`)
}
