// What every check receives: the shared snapshot of the cluster, the client for the few calls that
// are not lists (access reviews, port-forwards), the run's settings and a concurrency limiter
// shared by all port-forward fan-out of the run.
import type {KubeClient, PrometheusClient} from '../kube/types.js'
import {Limiter} from './limiter.js'
import {RemoteClusters, type RemoteKubeFactory} from './remote.js'
import {Snapshot} from './snapshot.js'

/** `crds`: after `linkerd install --crds`, before the control plane. */
export type CheckMode = 'pre' | 'crds' | 'control-plane' | 'proxy'

export interface CheckSettings {
  mode: CheckMode
  controlPlaneNamespace: string
  /** Where the linkerd-cni plugin is installed (`--cni-namespace`); default linkerd-cni. */
  cniNamespace?: string
  /** `-n` with --proxy; undefined means every namespace. */
  dataPlaneNamespace: string | undefined
  certExpiryThresholdMs: number
  /** Skip everything that talks to something outside the cluster (the version lookup). */
  offline: boolean
  requestTimeoutMs: number
  /** Version the control plane must run (`--expected-version`), if any. */
  expectedVersion: string | undefined
  versionCheckUrl: string
  now: () => number
}

/** Fetches a URL outside the cluster (version lookup); injected so tests never touch the network. */
export type FetchText = (url: string, timeoutMs: number) => Promise<string>

export interface CheckContext {
  readonly kube: KubeClient
  readonly snapshot: Snapshot
  readonly settings: CheckSettings
  readonly limiter: Limiter
  readonly fetchText: FetchText
  /** Aborted when the run is over: background work (prefetched probes) stops starting forwards. */
  readonly signal: AbortSignal
  /** Other clusters reached through credentials found in this one (multicluster Links). */
  readonly remotes: RemoteClusters
  /** Linkerd viz's Prometheus in a namespace, through the API server; undefined: not queried in this run. */
  readonly vizPrometheus: VizPrometheusFactory | undefined
}

/** Opens a client for Linkerd viz's Prometheus in `namespace` (its Service, through the API server). */
export type VizPrometheusFactory = (namespace: string) => Promise<PrometheusClient>

export interface ContextOptions {
  concurrency?: number
  fetchText?: FetchText
  signal?: AbortSignal
  /** How to build a client for a Link's kubeconfig; without it remote checks say they could not run. */
  remoteKube?: RemoteKubeFactory
  vizPrometheus?: VizPrometheusFactory
}

export const defaultFetchText: FetchText = async (url, timeoutMs) => {
  const host = new URL(url).host
  let response: Response
  try {
    response = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
  } catch (error) {
    // fetch says only "fetch failed"; the cause (DNS, refused, timeout) is what helps.
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
    throw new Error(`cannot reach ${host} (${why}); use --offline in clusters without internet access`)
  }
  if (!response.ok) throw new Error(`${host} answered HTTP ${response.status}`)
  return response.text()
}

export function createContext(kube: KubeClient, settings: CheckSettings, options: ContextOptions = {}): CheckContext {
  const allPods = settings.mode === 'proxy' && settings.dataPlaneNamespace === undefined
  return {
    kube,
    snapshot: new Snapshot(kube, {allPods}),
    settings,
    limiter: new Limiter(options.concurrency ?? 16),
    fetchText: options.fetchText ?? defaultFetchText,
    signal: options.signal ?? new AbortController().signal,
    remotes: new RemoteClusters(options.remoteKube),
    vizPrometheus: options.vizPrometheus,
  }
}

/** The same run with a fresh snapshot, for a retry under --wait. */
export function refreshContext(ctx: CheckContext): CheckContext {
  return {...ctx, snapshot: ctx.snapshot.fresh()}
}
