// Starts and stops a simulated Linkerd cluster: builds the objects from the scenario, makes the
// API server's PKI, listens on 127.0.0.1 with a random port and writes a kubeconfig with a token
// context (`meshport-sim`) and a client-certificate context (`meshport-sim-cert`).
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {stringify} from 'yaml'

import {ApiServer, type InjectedApiError} from './api-server.js'
import {buildCluster, type SimCluster, type SimPod} from './build.js'
import {remoteScenario} from './multicluster.js'
import {createCertificate, makeApiPki, type ApiPki, type KeyPairCert} from './pki.js'
import {PodServers, type ExternalBackend} from './proxy/admin-server.js'
import {loadScenario, type Scenario} from './scenario.js'
import {groupOf, ObjectStore, type Json} from './store.js'

export const TOKEN_CONTEXT = 'meshport-sim'
export const CERT_CONTEXT = 'meshport-sim-cert'

export interface StartOptions {
  /** How often watches that allow bookmarks get one (default a minute, as kube-apiserver). */
  bookmarkIntervalMs?: number
  /** Where to write the kubeconfig; a fresh temp dir (removed on stop) when absent. */
  kubeconfigPath?: string
  /** `healthy`, `broken`, a path to a YAML file, or a scenario object. */
  scenario: string | object | Scenario
  /** Linkerd's trust anchor, shared with another simulated cluster (multicluster). */
  trustAnchor?: KeyPairCert
}

export class SimulatedCluster {
  private stopped = false

  private constructor(
    readonly model: SimCluster,
    readonly store: ObjectStore,
    readonly pki: ApiPki,
    readonly token: string,
    readonly api: ApiServer,
    readonly servers: PodServers,
    readonly server: string,
    readonly kubeconfigPath: string,
    private readonly tempDir: string | undefined,
    /** The target clusters of the scenario's multicluster Links, started first. */
    readonly remotes: ReadonlyMap<string, SimulatedCluster> = new Map(),
  ) {}

  static async start(options: StartOptions): Promise<SimulatedCluster> {
    const scenario = loadScenario(options.scenario)
    const now = Date.now()
    const {remotes, links, trustAnchor} = await SimulatedCluster.startRemotes(scenario, options.trustAnchor, now)
    const model = buildCluster(scenario, now, {links, ...(trustAnchor ? {trustAnchor} : {})})
    const store = new ObjectStore(model.objects)
    const pki = makeApiPki(now)
    const token = randomBytes(24).toString('hex')
    const servers = new PodServers(model.pods, Date.now, now - 2 * 3_600_000)
    const api = new ApiServer({...(options.bookmarkIntervalMs ? {bookmarkIntervalMs: options.bookmarkIntervalMs} : {}), forbidden: scenario.forbidden, kubernetesVersion: scenario.kubernetesVersion, pki, pods: model.pods, servers, store, token})
    const port = await api.listen()
    const server = `https://127.0.0.1:${port}`
    let tempDir: string | undefined
    let kubeconfigPath = options.kubeconfigPath
    if (!kubeconfigPath) {
      tempDir = mkdtempSync(join(tmpdir(), 'meshport-sim-'))
      kubeconfigPath = join(tempDir, 'kubeconfig')
    }
    const cluster = new SimulatedCluster(model, store, pki, token, api, servers, server, kubeconfigPath, tempDir, remotes)
    writeFileSync(kubeconfigPath, cluster.kubeconfig(), {mode: 0o600})
    return cluster
  }

  /**
   * Starts each Link's target cluster (Linkerd on a second API server) and returns the kubeconfig
   * its credentials Secret holds, as the scenario says: valid, with a wrong token, pointing at a
   * closed port, or for a remote that forbids watching Services.
   */
  private static async startRemotes(scenario: Scenario, trustAnchor: KeyPairCert | undefined, now: number) {
    const remotes = new Map<string, SimulatedCluster>()
    const links = new Map<string, {kubeconfig: string}>()
    const mc = scenario.multicluster
    if (!mc || !scenario.linkerd) return {remotes, links, trustAnchor}
    const HOUR = 3_600_000
    // Linked clusters share one trust anchor, as Linkerd's multicluster docs require.
    const anchor = trustAnchor ?? createCertificate({isCa: true, notAfter: new Date(now + 10 * 365 * 24 * HOUR), notBefore: new Date(now - 30 * 24 * HOUR), pathLen: 1, subject: {cn: `root.linkerd.${scenario.linkerd.trustDomain}`}})
    try {
      for (const link of mc.links) {
        const remote = await SimulatedCluster.start({scenario: remoteScenario(link, scenario.linkerd.version), ...(link.trustAnchor === 'shared' ? {trustAnchor: anchor} : {})})
        remotes.set(link.name, remote)
        let kubeconfig = remote.kubeconfig(link.credentials === 'badToken' ? {token: 'not-the-token'} : {})
        if (link.credentials === 'unreachable') kubeconfig = kubeconfig.replace(remote.server, 'https://127.0.0.1:1')
        links.set(link.name, {kubeconfig})
      }
    } catch (error) {
      await Promise.all([...remotes.values()].map((r) => r.stop()))
      throw error
    }
    return {remotes, links, trustAnchor: anchor}
  }

  /** The kubeconfig text; `token` overrides the bearer token (e.g. a wrong one for 401 tests). */
  kubeconfig(overrides: {token?: string} = {}): string {
    const b64 = (text: string): string => Buffer.from(text).toString('base64')
    return stringify({
      apiVersion: 'v1',
      clusters: [{cluster: {'certificate-authority-data': b64(this.pki.ca.certPem), server: this.server}, name: TOKEN_CONTEXT}],
      contexts: [
        {context: {cluster: TOKEN_CONTEXT, namespace: 'default', user: `${TOKEN_CONTEXT}-token`}, name: TOKEN_CONTEXT},
        {context: {cluster: TOKEN_CONTEXT, user: `${TOKEN_CONTEXT}-admin-cert`}, name: CERT_CONTEXT},
      ],
      'current-context': TOKEN_CONTEXT,
      kind: 'Config',
      preferences: {},
      users: [
        {name: `${TOKEN_CONTEXT}-token`, user: {token: overrides.token ?? this.token}},
        {name: `${TOKEN_CONTEXT}-admin-cert`, user: {'client-certificate-data': b64(this.pki.client.certPem), 'client-key-data': b64(this.pki.client.keyPem)}},
      ],
    })
  }

  get scenario(): Scenario {
    return this.model.scenario
  }

  pod(namespace: string, name: string): SimPod | undefined {
    return this.model.pods.get(`${namespace}/${name}`)
  }

  /** Pods of a workload (by its name), in creation order. */
  podsOf(namespace: string, workload: string): SimPod[] {
    return [...this.model.pods.values()].filter((p) => p.namespace === namespace && p.workload.name === workload)
  }

  /** What this pod's /metrics says right now, without going through a port-forward. */
  metricsText(pod: SimPod): string {
    return this.servers.metricsText(pod)
  }

  /** Makes requests whose path contains `error.path` fail with `error.status` (a Status body). */
  injectApiError(error: InjectedApiError): void {
    this.api.injected.push(error)
  }

  /**
   * Makes a real server (a Prometheus process, say) answer for a pod's port: port-forwards and the
   * pods/services proxy subresources then reach it over loopback TCP. `target` is a URL such as
   * `http://127.0.0.1:9090` or a host and port; `undefined` gives the port back to the simulation.
   */
  routePort(namespace: string, pod: string, port: number, target: string | ExternalBackend | undefined): void {
    const sim = this.pod(namespace, pod)
    if (!sim) throw new Error(`no pod ${namespace}/${pod} in the simulated cluster`)
    this.servers.route(sim, port, typeof target === 'string' ? backendOf(target) : target)
  }

  /**
   * routePort for every pod behind a Service port (its Endpoints' target port), so
   * `services/NAME:PORT/proxy/...` and `kubectl port-forward svc/NAME` reach `target`.
   */
  routeService(namespace: string, service: string, port: number, target: string | ExternalBackend | undefined): void {
    const svc = this.store.get('', 'Service', namespace, service)
    const declared = ((svc?.spec as Json | undefined)?.ports as Json[] | undefined)?.find((p) => p.port === port)
    if (!declared) throw new Error(`no service ${namespace}/${service} with port ${port} in the simulated cluster`)
    const endpoints = this.store.get('', 'Endpoints', namespace, service)
    let routed = 0
    for (const subset of (endpoints?.subsets as Json[] | undefined) ?? []) {
      const targetPort = ((subset.ports as Json[] | undefined) ?? []).find((p) => (p.name ?? '') === (declared.name ?? ''))?.port
      if (typeof targetPort !== 'number') continue
      for (const address of [...((subset.addresses as Json[] | undefined) ?? []), ...((subset.notReadyAddresses as Json[] | undefined) ?? [])]) {
        const name = (address.targetRef as Json | undefined)?.name
        if (typeof name !== 'string') continue
        this.routePort(namespace, name, targetPort, target)
        routed++
      }
    }
    if (routed === 0) throw new Error(`service ${namespace}/${service} has no endpoints to route`)
  }

  /** Adds or replaces an object while the cluster runs; watches see ADDED or MODIFIED. */
  addObject(object: Json): void {
    this.store.add(object)
  }

  /**
   * Changes a stored object: `change` gets a copy to edit; watches see MODIFIED (or ADDED/DELETED
   * where a selector starts or stops matching). A Pod's simulation (IP, proxy) follows its object.
   */
  updateObject(apiVersion: string, kind: string, namespace: string | undefined, name: string, change: (object: Json) => void): Json {
    const group = groupOf(apiVersion)
    const current = this.store.get(group, kind, namespace, name)
    if (!current) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} in the simulated cluster`)
    const next = structuredClone(current)
    change(next)
    const pod = kind === 'Pod' && group === '' ? this.pod(namespace ?? '', name) : undefined
    if (pod) pod.object = next
    return this.store.add(next)
  }

  /** Deletes a stored object; watches see DELETED. Returns whether it existed. */
  deleteObject(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    return this.store.remove(groupOf(apiVersion), kind, namespace, name) !== undefined
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.api.close()
    await this.servers.close()
    await Promise.all([...this.remotes.values()].map((remote) => remote.stop()))
    if (this.tempDir) rmSync(this.tempDir, {force: true, recursive: true})
  }
}

function backendOf(url: string): ExternalBackend {
  const parsed = new URL(url)
  return {host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80))}
}
