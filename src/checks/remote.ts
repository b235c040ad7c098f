// Clients for the other clusters a check reaches through credentials it finds in this one (the
// kubeconfig Secrets of multicluster Links). The command supplies the factory (only src/kube
// builds clients); one client per Secret, closed when the run is over.
import type {KubeClient} from '../kube/types.js'

/** Builds a client from kubeconfig text; `source` names where the text came from, for errors. */
export type RemoteKubeFactory = (kubeconfig: string, source: string) => Promise<KubeClient>

export class RemoteClusters {
  private readonly clients = new Map<string, Promise<KubeClient>>()

  constructor(private readonly factory: RemoteKubeFactory | undefined) {}

  /** Whether this run can reach other clusters at all. */
  get enabled(): boolean {
    return this.factory !== undefined
  }

  /** The client for the kubeconfig in `source`, built once per run. */
  client(source: string, kubeconfig: string): Promise<KubeClient> {
    if (!this.factory) return Promise.reject(new Error('this run has no client for other clusters'))
    const key = `${source}\u0000${kubeconfig}`
    let client = this.clients.get(key)
    if (!client) {
      client = this.factory(kubeconfig, source)
      client.catch(() => {})
      this.clients.set(key, client)
    }
    return client
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled([...this.clients.values()])
    this.clients.clear()
    await Promise.all(clients.flatMap((c) => (c.status === 'fulfilled' ? [c.value.close()] : [])))
  }
}
