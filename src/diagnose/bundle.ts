// `diagnose bundle`: everything diagnose knows about one namespace plus the control plane, as
// files for a tar.gz to attach to a bug report. Collection fans out over pods with a limit;
// every file passes through redact.ts; Secrets are never read. The text files are drawn by the
// renderers the command hands in (domain code returns data; src/output draws).
import type {KubeClient, V1Pod} from '../kube/types.js'
import {sortProblems, type Problem} from '../ports/index.js'
import {mapLimit} from '../util/pool.js'
import {collectControlPlane, collectPodSnapshot, ReadCache} from './collect-pod.js'
import {buildPodReport, type PodReport, selectPodReport} from './pod-report.js'
import {analyzeLivePods, countProblems, type PortsReport, type ProblemCounts, selectPortsReport} from './ports-report.js'
import {obfuscateMetrics} from './obfuscate.js'
import {namespaceAnnotationsOf} from './live-ports.js'
import {redactedJson, redactText} from './redact.js'
import type {TarEntry} from './tar.js'

export interface BundleOptions {
  namespace: string
  linkerdNamespace: string
  timeoutMs: number
  concurrency: number
  obfuscate: boolean
  contextName: string
  now: Date
  /** Values known to be secret (e.g. the kubeconfig's token), redacted wherever they appear. */
  secrets?: readonly string[]
  /** The `check --proxy -n NS` report as JSON text, run by the caller (it owns the check engine). */
  checkJson?: string | undefined
  /** --only/--skip rule selectors. */
  only?: readonly string[]
  skip?: readonly string[]
  /** How the `.txt` files show a report: the command's text renderers, without colour. */
  text: BundleText
}

export interface BundleText {
  podReport(report: PodReport): string
  portsReport(report: PortsReport): string
  /** A proxy's /metrics text as people will read it. */
  metrics(body: string): string
}

export interface BundleResult {
  entries: TarEntry[]
  counts: ProblemCounts
  pods: number
}

function podSummary(pod: V1Pod): object {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
  return {
    name: pod.metadata?.name,
    phase: pod.status?.phase,
    ready: pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    node: pod.spec?.nodeName,
    containers: statuses.map((s) => ({name: s.name, image: s.image, ready: s.ready, restarts: s.restartCount, state: s.state, lastState: s.lastState})),
  }
}

export async function collectBundle(kube: KubeClient, options: BundleOptions): Promise<BundleResult> {
  const root = `meshport-bundle-${options.namespace}`
  const exact = options.secrets ?? []
  const json = (value: unknown) => redactedJson(value, exact)
  const text = (value: string) => redactText(value, exact)
  const entries: TarEntry[] = []
  const add = (path: string, content: string) => entries.push({path: `${root}/${path}`, content})

  const [pods, services, cpPods, cp, config] = await Promise.all([
    kube.listPods({namespace: options.namespace}),
    kube.listServices({namespace: options.namespace}).catch(() => []),
    kube.listPods({namespace: options.linkerdNamespace}).catch(() => [] as V1Pod[]),
    collectControlPlane(kube, options.linkerdNamespace),
    kube.getConfigMap(options.linkerdNamespace, 'linkerd-config').catch(() => undefined),
  ])

  // Ports of every pod, with namespace inheritance and the cluster's defaults.
  const nsAnnotations = await namespaceAnnotationsOf(kube, [options.namespace])
  const only = options.only ?? []
  const skip = options.skip ?? []
  const ports = selectPortsReport(analyzeLivePods(pods.map((pod) => ({pod, namespaceAnnotations: nsAnnotations.get(options.namespace)})), cp.defaults, services), only, skip)
  add(`${options.namespace}/ports.json`, json(ports))
  add(`${options.namespace}/ports.txt`, text(options.text.portsReport(ports)))

  const cache = new ReadCache()
  const reports = await mapLimit(pods, options.concurrency, async (pod): Promise<PodReport> => {
    const snapshot = await collectPodSnapshot(kube, pod, cp, options.linkerdNamespace, options.timeoutMs, cache)
    const report = selectPodReport(buildPodReport(snapshot, {defaults: cp.defaults, nowSeconds: options.now.getTime() / 1000}), only, skip)
    const name = pod.metadata?.name ?? 'unnamed'
    add(`${options.namespace}/pods/${name}/report.json`, json(report))
    add(`${options.namespace}/pods/${name}/report.txt`, text(options.text.podReport(report)))
    add(`${options.namespace}/pods/${name}/pod.json`, json(pod))
    const metrics = snapshot.admin?.metrics
    if (metrics?.body !== undefined) add(`${options.namespace}/pods/${name}/proxy-metrics.txt`, text(options.text.metrics(options.obfuscate ? obfuscateMetrics(metrics.body) : metrics.body)))
    return report
  })

  add('control-plane/pods.json', json(cpPods.map(podSummary)))
  if (config?.data) add('control-plane/linkerd-config.json', json({data: config.data}))
  if (options.checkJson !== undefined) add('control-plane/check.json', text(options.checkJson))

  // Port problems are in every pod report too; the summary lists each problem once.
  const problems: Problem[] = sortProblems([...reports.flatMap((r) => r.problems), ...ports.services.flatMap((s) => s.problems)])
  const counts = countProblems(problems)
  add(
    'summary.json',
    json({
      schemaVersion: 1,
      kind: 'DiagnoseBundle',
      createdAt: options.now.toISOString(),
      context: options.contextName,
      namespace: options.namespace,
      linkerdNamespace: options.linkerdNamespace,
      controlPlaneVersion: cp.version,
      pods: reports.map((r) => ({name: r.pod.name, phase: r.pod.phase, meshed: r.mesh.meshed, counts: r.counts})),
      counts,
      problems,
    }),
  )
  const contents: Array<[string, string]> = [
    ['summary.json', 'every problem found, by pod, with rule ids (docs/diagnose.md)'],
    [`${options.namespace}/ports.{json,txt}`, 'what the mesh does with every port'],
    [`${options.namespace}/pods/POD/`, "diagnose pod report, the pod object, the proxy's /metrics"],
    ['control-plane/pods.json', 'status of the control-plane pods'],
    ['control-plane/check.json', 'meshport check --proxy report'],
  ]
  const width = Math.max(...contents.map(([path]) => path.length)) + 2
  add(
    'README.txt',
    [
      `meshport diagnose bundle of namespace ${options.namespace} (context ${options.contextName}), ${options.now.toISOString()}`,
      '',
      ...contents.map(([path, what]) => `${path.padEnd(width)}${what}`),
      '',
      'Secrets were not collected; tokens, keys, passwords and private keys are replaced by [REDACTED].',
      options.obfuscate ? 'Proxy metrics are obfuscated (authority, client_id, server_id, target_addr, dst_service, dst_namespace hashed).' : '',
      '',
    ].join('\n'),
  )
  entries.sort((a, b) => (a.path < b.path ? -1 : 1))
  return {entries, counts, pods: pods.length}
}

/** `meshport-bundle-shop-20261122-235900.tar.gz`: the namespace and the UTC time, sortable. */
export function defaultBundleName(namespace: string, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replaceAll('-', '').replaceAll(':', '').replace('T', '-')
  return `meshport-bundle-${namespace}-${stamp}.tar.gz`
}
