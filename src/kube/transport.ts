// How meshport reaches one context's API server, shared by every connection path: API calls
// (client.ts hands this to client-node as its authentication), port-forward tunnels (tunnel.ts),
// and pods/proxy. It holds the TLS material (the kubeconfig's CA, else the system trust of
// trust.ts; client certificate; tls-server-name; insecure-skip-tls-verify), the credentials
// (credentials.ts, resolved once and shared, renewed after a 401) and the proxy (proxy-env.ts).
import {Agent as HttpAgent, type ClientRequestArgs} from 'node:http'
import {Agent as HttpsAgent, type AgentOptions} from 'node:https'
import {isIP, type Socket} from 'node:net'
import type {Duplex} from 'node:stream'
import {connect as tlsConnect, createSecureContext, type SecureContext} from 'node:tls'

import type {RequestContext} from '@kubernetes/client-node'

import {ClusterError} from '../errors.js'
import {CredentialSource, type Credentials} from './credentials.js'
import {dial} from './dial.js'
import {defaultExecIO, type ExecIO} from './exec-credential.js'
import type {LoadedKubeConfig} from './kubeconfig.js'
import {proxyFor} from './proxy-env.js'
import {systemTrustContext} from './trust.js'
import {KubeErrorCode} from './types.js'

export interface TlsMaterial {
  secureContext: SecureContext
  /** SNI and the name the certificate must carry; undefined: the server's host (none for an IP). */
  servername: string | undefined
  rejectUnauthorized: boolean
}

export interface Material {
  /** Increases each time credentials are fetched again; a 401 names the generation it saw. */
  generation: number
  credentials: Credentials
  /** Request headers: Authorization, Impersonate-User. */
  headers: Record<string, string>
  /** No credentials at all: a 401 then means "send some", not "these were rejected". */
  anonymous: boolean
  /** Undefined for a plain-http server. */
  tls: TlsMaterial | undefined
  /** For client-node's fetch: TLS as above, through the proxy when there is one. */
  agent: HttpAgent
  /**
   * The same with keep-alive, for the HTTP/1.1 fallback of the API session (api-session.ts):
   * many small requests (pods/proxy, services/proxy) on a few reused connections.
   */
  keepAliveAgent: HttpAgent
}

export interface TransportOptions {
  env?: NodeJS.ProcessEnv
  exec?: ExecIO
  /** How soon credentials may be fetched again after a 401. */
  refreshEveryMs?: number
  /** Bound on connecting through a proxy (the requests' own timeouts usually fire first). */
  connectTimeoutMs?: number
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void

/** Connections the keep-alive agents open to the API server at most (client-go's HTTP/1.1 default is unlimited; kubectl's QPS keeps it low). */
const KEEP_ALIVE_SOCKETS = 16

/** client-node's fetch goes through this agent; behind a proxy it dials through it first. */
class KubeHttpsAgent extends HttpsAgent {
  constructor(
    options: AgentOptions,
    private readonly proxy: URL | undefined,
    private readonly connectTimeoutMs: number,
  ) {
    super(options)
  }

  override createConnection(options: ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    if (!this.proxy) return super.createConnection(options, callback)
    dial({host: options.host ?? 'localhost', port: Number(options.port)}, this.proxy, this.connectTimeoutMs).then(
      (socket) => callback?.(null, tlsConnect({...(options as object), socket})),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    )
    return undefined
  }
}

class KubeHttpAgent extends HttpAgent {
  constructor(
    private readonly proxy: URL | undefined,
    private readonly connectTimeoutMs: number,
    keepAlive = false,
  ) {
    super(keepAlive ? {keepAlive, maxSockets: KEEP_ALIVE_SOCKETS} : {keepAlive})
  }

  override createConnection(options: ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    if (!this.proxy) return super.createConnection(options, callback)
    dial({host: options.host ?? 'localhost', port: Number(options.port)}, this.proxy, this.connectTimeoutMs).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    )
    return undefined
  }
}

/**
 * An HTTP(S) agent that dials through `proxy` first when there is one (CONNECT or SOCKS5, as
 * dial.ts does): `tls` options make it HTTPS. For other peers than the API server (Prometheus).
 */
export function proxiedAgent(tls: AgentOptions | undefined, proxy: URL | undefined, connectTimeoutMs: number, keepAlive: boolean): HttpAgent {
  if (tls) return new KubeHttpsAgent(keepAlive ? {...tls, keepAlive, maxSockets: KEEP_ALIVE_SOCKETS} : {...tls, keepAlive}, proxy, connectTimeoutMs)
  return new KubeHttpAgent(proxy, connectTimeoutMs, keepAlive)
}

export class ClusterTransport {
  /** The server URL (with any path prefix, without a trailing slash). */
  readonly server: string
  readonly url: URL
  /** The proxy every connection to the server goes through, if any. */
  readonly proxy: URL | undefined
  /** Whether a 401 may be cured by fetching credentials again. */
  readonly renewable: boolean
  private readonly source: CredentialSource
  private readonly refreshEveryMs: number
  private readonly connectTimeoutMs: number
  private material: Promise<Material> | undefined
  private generation = 0
  private fetchedAt = 0
  private agents: HttpAgent[] = []

  constructor(
    private readonly config: LoadedKubeConfig,
    options: TransportOptions = {},
  ) {
    const env = options.env ?? process.env
    this.server = config.cluster.server
    this.url = new URL(this.server)
    this.proxy = proxyFor(this.url, config.cluster.proxyUrl, env)
    this.source = new CredentialSource(config.user, config.cluster, options.exec ?? defaultExecIO(env))
    this.renewable = this.source.renewable
    this.refreshEveryMs = options.refreshEveryMs ?? 30_000
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000
  }

  /** Host and port of the server, for dialling. */
  get target(): {host: string; port: number} {
    const host = this.url.hostname.replace(/^\[|\]$/g, '')
    return {host, port: Number(this.url.port || (this.url.protocol === 'https:' ? 443 : 80))}
  }

  /** client-node's SecurityAuthentication. */
  getName(): string {
    return 'meshport kubeconfig'
  }

  /** client-node calls this before each API request: credentials as headers, TLS and proxy in the agent. */
  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const material = await this.current()
    context.setAgent(material.agent)
    for (const [name, value] of Object.entries(material.headers)) context.setHeaderParam(name, value)
  }

  /** The material of the current credentials, fetched once (single flight) and shared. */
  current(): Promise<Material> {
    this.material ??= this.build()
    return this.material
  }

  private async build(): Promise<Material> {
    const generation = ++this.generation
    this.fetchedAt = Date.now()
    const credentials = await this.source.get()
    let tls: TlsMaterial | undefined
    let agent: HttpAgent
    let keepAliveAgent: HttpAgent
    if (this.url.protocol === 'https:') {
      const {cluster} = this.config
      const options = {...(credentials.cert ? {cert: credentials.cert} : {}), ...(credentials.key ? {key: credentials.key} : {})}
      let secureContext: SecureContext
      try {
        // The kubeconfig's CA alone, as in kubectl; without one, the system's trust store too.
        secureContext = cluster.ca ? createSecureContext({...options, ca: cluster.ca}) : cluster.insecureSkipTlsVerify ? createSecureContext(options) : systemTrustContext(options)
      } catch (err) {
        const what = this.config.user?.exec && credentials.exec?.cert ? `the client certificate or key the exec plugin of user "${this.config.user.name}" returned` : `the CA, client certificate or key of context "${this.config.contextName}"`
        throw new ClusterError(`${what} cannot be used (${(err as Error).message.split('\n', 1)[0] ?? ''})`, {
          code: KubeErrorCode.badKubeconfig,
          hint: 'check that they are PEM and that the key matches the certificate (kubectl config view --raw)',
        })
      }
      tls = {rejectUnauthorized: !cluster.insecureSkipTlsVerify, secureContext, servername: cluster.tlsServerName}
      const agentOptions: AgentOptions = {keepAlive: false, rejectUnauthorized: tls.rejectUnauthorized, secureContext}
      if (tls.servername !== undefined) agentOptions.servername = tls.servername
      agent = new KubeHttpsAgent(agentOptions, this.proxy, this.connectTimeoutMs)
      keepAliveAgent = new KubeHttpsAgent({...agentOptions, keepAlive: true, maxSockets: KEEP_ALIVE_SOCKETS}, this.proxy, this.connectTimeoutMs)
    } else {
      agent = new KubeHttpAgent(this.proxy, this.connectTimeoutMs)
      keepAliveAgent = new KubeHttpAgent(this.proxy, this.connectTimeoutMs, true)
    }
    this.agents.push(agent, keepAliveAgent)
    const anonymous = credentials.headers.authorization === undefined && credentials.cert === undefined
    return {agent, anonymous, credentials, generation, headers: credentials.headers, keepAliveAgent, tls}
  }

  /**
   * After a 401 with the material of `generation`: true when a retry may succeed, because the
   * credentials were renewed since, or are renewable and were fetched long enough ago (so a plainly
   * wrong token does not double every request). Then the next current() fetches them again.
   */
  async renew(generation: number): Promise<boolean> {
    if (!this.renewable) return false
    if (generation !== this.generation) return true
    if (Date.now() - this.fetchedAt < this.refreshEveryMs) return false
    const old = this.material
    this.material = undefined
    if (old) this.source.forget((await old).credentials)
    return true
  }

  /** A TCP connection to the server, through the proxy when there is one. */
  dial(timeoutMs: number): Promise<Socket> {
    return dial(this.target, this.proxy, Math.min(timeoutMs, this.connectTimeoutMs))
  }

  /** The name TLS must verify: tls-server-name, else the host unless it is an IP (no SNI then). */
  servername(tls: TlsMaterial): string {
    return tls.servername ?? (isIP(this.target.host) ? '' : this.target.host)
  }

  close(): void {
    for (const agent of this.agents) agent.destroy()
    this.agents = []
  }
}
