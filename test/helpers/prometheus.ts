// A real Prometheus (the `prometheus` binary: Debian's 2.42 package, built without
// kubernetes_sd) scraping the simulated cluster's proxies the way Linkerd viz's Prometheus does,
// through the API server: a file_sd list with one target per meshed pod, read from the API,
// `__metrics_path__` the pod's `pods/NAME:PORT/proxy/metrics` for its `linkerd-admin` port, and
// the labels viz's relabelling gives proxy series (namespace, pod, deployment, k8s_job, app, …).
//
//   const prom = await startPrometheus({cluster: sim.cluster, scrapeInterval: 1})
//   try {
//     const [sample] = await prom.query('sum(rate(response_total{deployment="web"}[10s]))')
//   } finally {
//     await prom.stop()
//   }
//
// Or on a TSDB built beforehand (`promtool tsdb create-blocks-from openmetrics FILE DIR`):
//   startPrometheus({storagePath: DIR, targets: [], extraArgs: ['--storage.tsdb.retention.time=100y']})
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {get as httpGet} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {createServer, type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {stringify} from 'yaml'

import {requireTool, skipWithout} from './tools.js'

/** What a target group of a file_sd file holds. */
export interface TargetGroup {
  labels: Record<string, string>
  targets: string[]
}

/** How to reach and authenticate to a Kubernetes API server (the simulated one exposes all three). */
export interface ApiAccess {
  /** PEM of the CA that signed the server's certificate. */
  ca: string
  /** `https://host:port`. */
  server: string
  token: string
}

export interface StartPrometheusOptions {
  /** Scrape every meshed pod of this cluster through its API server (see proxyTargets). */
  cluster?: ApiAccess | {pki: {ca: {certPem: string}}; server: string; token: string}
  /** Or these file_sd target groups (with `cluster`: in addition to the pods). */
  targets?: TargetGroup[]
  /**
   * Rewrites the cluster's pod targets before Prometheus gets them: drop some (a namespace it does
   * not scrape) or change their labels (a scrape config without viz's relabelling).
   */
  mapTargets?: (groups: TargetGroup[]) => TargetGroup[]
  /** Linkerd's control-plane namespace, which viz's keep rule requires on the pods (default `linkerd`). */
  linkerdNamespace?: string
  /** Seconds between scrapes (default 1; the scrape timeout is the same). */
  scrapeInterval?: number
  /** The TSDB directory; a temporary one (removed by stop) when absent. */
  storagePath?: string
  /** More command-line flags, e.g. `--storage.tsdb.retention.time=100y`. */
  extraArgs?: string[]
  /** Wait until every target has been scraped successfully (default true). */
  waitForTargets?: boolean
  /** How long start may take, targets up included (default 30 s). */
  timeoutMs?: number
}

export interface PromSample {
  metric: Record<string, string>
  value: number
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:PORT`. */
  url: string
  port: number
  /** The process id (benches read its CPU time). */
  pid: number
  /** The TSDB directory. */
  storagePath: string
  /** The file_sd file; rewrite it with setTargets. */
  targetsPath: string
  /** The targets Prometheus was given. */
  targets: TargetGroup[]
  /** Replaces the targets (Prometheus rereads the file within a second or so). */
  setTargets(groups: TargetGroup[]): void
  /** An instant query; the vector or scalar result as samples. */
  query(promql: string, time?: Date): Promise<PromSample[]>
  /** `up`/`down`/`unknown` per scrape URL, from /api/v1/targets. */
  targetHealth(): Promise<Array<{health: string; lastError: string; scrapeUrl: string; labels: Record<string, string>}>>
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and removes temporary files. */
  stop(): Promise<void>
}

/**
 * A `skip` reason for node:test when Prometheus is missing, else false. Locally the skip is said
 * in one line on stderr; under CI=true nothing is skipped, so the tests fail (.ci/run installs it).
 */
export function prometheusSkip(): string | false {
  const reason = skipWithout('prometheus', 'apt-get install prometheus; skipping the real-Prometheus tests')
  if (reason) process.stderr.write(`${reason}\n`)
  return reason
}

/** Prometheus' label-name sanitising of Kubernetes labels (strutil.SanitizeLabelName). */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_')
}

type Json = Record<string, unknown>

/**
 * The target labels Linkerd viz's `linkerd-proxy` scrape job gives a pod, replaying its
 * relabel_configs (viz/charts/linkerd-viz/templates/prometheus.yaml) on the pod's meta labels:
 * namespace, pod, `linkerd.io/proxy-job` → k8s_job, `linkerd.io/proxy-<kind>` → `<kind>`,
 * other `linkerd.io/<x>` → `<x>`, every other pod label copied; names sanitised.
 */
export function vizProxyLabels(pod: {metadata: {labels?: Record<string, string>; name: string; namespace: string}}): Record<string, string> {
  const labels = new Map<string, string>()
  for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) labels.set(`__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`, v)
  labels.set('namespace', pod.metadata.namespace)
  labels.set('pod', pod.metadata.name)
  const job = labels.get('__meta_kubernetes_pod_label_linkerd_io_proxy_job')
  if (job !== undefined) labels.set('k8s_job', job)
  const drop = (regex: RegExp): void => {
    for (const name of [...labels.keys()]) if (regex.test(name)) labels.delete(name)
  }
  const labelmap = (regex: RegExp, replacement: (m: RegExpExecArray) => string): void => {
    for (const [name, value] of [...labels]) {
      const m = regex.exec(name)
      if (m) labels.set(replacement(m), value)
    }
  }
  drop(/^__meta_kubernetes_pod_label_linkerd_io_proxy_job$/)
  labelmap(/^__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)$/, (m) => m[1] as string)
  drop(/^__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)$/)
  labelmap(/^__meta_kubernetes_pod_label_linkerd_io_(.+)$/, (m) => m[1] as string)
  labelmap(/^__meta_kubernetes_pod_label_(.+)$/, (m) => `__tmp_pod_label_${m[1] as string}`)
  labelmap(/^__tmp_pod_label_linkerd_io_(.+)$/, (m) => `__tmp_pod_label_${m[1] as string}`)
  drop(/^__tmp_pod_label_linkerd_io_(.+)$/)
  labelmap(/^__tmp_pod_label_(.+)$/, (m) => m[1] as string)
  // Labels still starting with __ are dropped once relabelling is over.
  return Object.fromEntries([...labels].filter(([name]) => !name.startsWith('__')).sort(([a], [b]) => a.localeCompare(b)))
}

function apiAccess(cluster: NonNullable<StartPrometheusOptions['cluster']>): ApiAccess {
  return 'pki' in cluster ? {ca: cluster.pki.ca.certPem, server: cluster.server, token: cluster.token} : cluster
}

function apiGet(access: ApiAccess, path: string): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, access.server), {ca: access.ca, headers: {accept: 'application/json', authorization: `Bearer ${access.token}`}, timeout: 10_000}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as Json) : reject(new Error(`GET ${path}: ${res.statusCode ?? 0} ${body.slice(0, 200)}`))))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/**
 * One target per pod viz's Prometheus keeps (phase Pending or Running, with an IP, a
 * `linkerd-proxy` container, init or not, with a `linkerd-admin` port, labelled with the control
 * plane's namespace), read from the API server. Scraped through the API server: the address is
 * the server's, `__metrics_path__` the pod's proxy subresource; `instance` is the pod's
 * IP:port as viz shows it.
 */
export async function proxyTargets(access: ApiAccess, linkerdNamespace = 'linkerd'): Promise<TargetGroup[]> {
  const list = await apiGet(access, '/api/v1/pods')
  const address = new URL(access.server).host
  const groups: TargetGroup[] = []
  for (const pod of (list.items as Json[] | undefined) ?? []) {
    const metadata = pod.metadata as {labels?: Record<string, string>; name: string; namespace: string}
    const status = (pod.status ?? {}) as {phase?: string; podIP?: string}
    const spec = (pod.spec ?? {}) as {containers?: Json[]; initContainers?: Json[]}
    if (!['Pending', 'Running'].includes(status.phase ?? '') || !status.podIP) continue
    if (metadata.labels?.['linkerd.io/control-plane-ns'] !== linkerdNamespace) continue
    const proxy = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === 'linkerd-proxy')
    const admin = ((proxy?.ports as Json[] | undefined) ?? []).find((p) => p.name === 'linkerd-admin')
    if (typeof admin?.containerPort !== 'number') continue
    const port = admin.containerPort
    groups.push({
      labels: {
        __metrics_path__: `/api/v1/namespaces/${metadata.namespace}/pods/${metadata.name}:${port}/proxy/metrics`,
        instance: `${status.podIP}:${port}`,
        ...vizProxyLabels({metadata}),
      },
      targets: [address],
    })
  }
  return groups
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function getJson(url: string): Promise<{body: Json; status: number}> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, {timeout: 5000}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => {
        let parsed: Json = {}
        try {
          parsed = JSON.parse(body) as Json
        } catch {
          parsed = {text: body}
        }
        resolve({body: parsed, status: res.statusCode ?? 0})
      })
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)))
    req.on('error', reject)
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts Prometheus on a free loopback port; resolves once it is ready (and its targets up). */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const binary = requireTool('prometheus')
  const interval = options.scrapeInterval ?? 1
  const timeoutMs = options.timeoutMs ?? 30_000
  const dir = mkdtempSync(join(tmpdir(), 'meshport-prometheus-'))
  const storagePath = options.storagePath ?? join(dir, 'data')
  const targetsPath = join(dir, 'targets.json')
  const access = options.cluster ? apiAccess(options.cluster) : undefined
  const podTargets = access ? await proxyTargets(access, options.linkerdNamespace) : []
  const targets = [...(options.mapTargets ? options.mapTargets(podTargets) : podTargets), ...(options.targets ?? [])]
  const writeTargets = (groups: TargetGroup[]): void => writeFileSync(targetsPath, JSON.stringify(groups, null, 2))
  writeTargets(targets)
  const job: Json = {file_sd_configs: [{files: [targetsPath], refresh_interval: '1s'}], job_name: 'linkerd-proxy'}
  if (access) {
    writeFileSync(join(dir, 'ca.pem'), access.ca)
    writeFileSync(join(dir, 'token'), access.token, {mode: 0o600})
    Object.assign(job, {authorization: {credentials_file: join(dir, 'token'), type: 'Bearer'}, enable_http2: true, scheme: 'https', tls_config: {ca_file: join(dir, 'ca.pem')}})
  }
  writeFileSync(join(dir, 'prometheus.yml'), stringify({global: {evaluation_interval: `${interval}s`, scrape_interval: `${interval}s`, scrape_timeout: `${interval}s`}, scrape_configs: [job]}))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const args = [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${storagePath}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...(options.extraArgs ?? [])]
  const child: ChildProcess = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let log = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (c: string) => (log = (log + c).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    }
    rmSync(dir, {force: true, recursive: true})
  }

  const running: RunningPrometheus = {
    pid: child.pid ?? 0,
    port,
    async query(promql, time) {
      const params = new URLSearchParams({query: promql, ...(time ? {time: String(time.getTime() / 1000)} : {})})
      const {body, status} = await getJson(`${url}/api/v1/query?${params.toString()}`)
      if (status !== 200) throw new Error(`query ${promql}: ${status} ${JSON.stringify(body)}`)
      const data = body.data as {result: unknown; resultType: string}
      if (data.resultType === 'scalar') return [{metric: {}, value: Number((data.result as [number, string])[1])}]
      return (data.result as Array<{metric: Record<string, string>; value: [number, string]}>).map((r) => ({metric: r.metric, value: Number(r.value[1])}))
    },
    setTargets(groups) {
      running.targets = groups
      writeTargets(groups)
    },
    stop,
    storagePath,
    async targetHealth() {
      const {body} = await getJson(`${url}/api/v1/targets?state=active`)
      const active = ((body.data as Json | undefined)?.activeTargets as Array<{health: string; labels: Record<string, string>; lastError: string; scrapeUrl: string}> | undefined) ?? []
      return active.map((t) => ({health: t.health, labels: t.labels, lastError: t.lastError, scrapeUrl: t.scrapeUrl}))
    },
    targets,
    targetsPath,
    url,
  }

  try {
    const deadline = Date.now() + timeoutMs
    const fail = (why: string): Error => new Error(`prometheus ${why}${log ? `:\n${log.trim()}` : ''}`)
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw fail(`exited (${child.exitCode ?? child.signalCode})`)
      if (Date.now() > deadline) throw fail(`was not ready within ${timeoutMs} ms`)
      const ready = await getJson(`${url}/-/ready`).catch(() => undefined)
      if (ready?.status === 200) break
      await sleep(100)
    }
    const expected = targets.reduce((n, g) => n + g.targets.length, 0)
    if (options.waitForTargets !== false && expected > 0) {
      for (;;) {
        const health = await running.targetHealth()
        if (health.length === expected && health.every((t) => t.health === 'up')) break
        if (Date.now() > deadline) {
          const bad = health.filter((t) => t.health !== 'up').slice(0, 3)
          throw fail(`targets not all up within ${timeoutMs} ms (${health.filter((t) => t.health === 'up').length}/${expected} up; ${bad.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('; ')})`)
        }
        await sleep(200)
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
  return running
}
