// The kubeconfig as kubectl resolves it: the files (kubeconfig-files.ts), else the in-cluster
// service account; then the chosen context (--context, else current-context) and only the cluster
// and user it names, checked the way client-go's ConfirmUsable does. Relative paths (CA, client
// certificate and key, tokenFile, an exec command with a slash) are resolved against the directory
// of the file that defined the entry. The default namespace of every command is decided here, once.
// Never falls back to client-go's http://localhost:8080.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {isIPv6} from 'node:net'
import {isAbsolute, join, sep} from 'node:path'

import {ClusterError} from '../errors.js'
import {kubeconfigFromText, readKubeConfigFiles, type MergedKubeConfig, type RawEntry} from './kubeconfig-files.js'
import {registerSecret} from './redact.js'
import {KubeErrorCode, type KubeOptions} from './types.js'

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']
const EXEC_CLUSTER_EXTENSION = 'client.authentication.k8s.io/exec'

export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always'

export interface ExecConfig {
  apiVersion: string
  args: string[]
  /** Absolute when the kubeconfig gave a path with a slash; else looked up on PATH. */
  command: string
  env: Array<{name: string; value: string}>
  installHint: string | undefined
  interactiveMode: InteractiveMode
  provideClusterInfo: boolean
}

export interface ClusterConfig {
  name: string
  /** The server URL: scheme, host, port and any path prefix, without a trailing slash. */
  server: string
  /** PEM of certificate-authority(-data); undefined: the system's trust store. */
  ca: Buffer | undefined
  insecureSkipTlsVerify: boolean
  tlsServerName: string | undefined
  proxyUrl: string | undefined
  /** `extensions[client.authentication.k8s.io/exec]`, handed to an exec plugin with provideClusterInfo. */
  execExtension: unknown
}

export interface UserConfig {
  name: string
  token: string | undefined
  tokenFile: string | undefined
  username: string | undefined
  password: string | undefined
  cert: Buffer | undefined
  key: Buffer | undefined
  exec: ExecConfig | undefined
  authProvider: {name: string; config: Record<string, string>} | undefined
  impersonate: string | undefined
}

export interface LoadedKubeConfig {
  contextName: string
  cluster: ClusterConfig
  /** The namespace of commands run without -n: the context's, else in-cluster, else `default`. */
  namespace: string
  /** Where the config came from, for messages. */
  source: string
  /** Undefined for a context without a user: requests go without credentials, as kubectl's do. */
  user: UserConfig | undefined
}

const invalid = (message: string, hint = "fix the entry in the kubeconfig (kubectl config view shows it)"): ClusterError =>
  new ClusterError(message, {code: KubeErrorCode.badKubeconfig, hint})

/** Typed reads of one entry's fields; a wrong type names the entry and the field. */
class Fields {
  constructor(
    private readonly what: string,
    private readonly body: Record<string, unknown>,
  ) {}

  string(key: string): string | undefined {
    const value = this.body[key]
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string') throw invalid(`${this.what}: "${key}" must be a string`)
    return value
  }

  boolean(key: string): boolean {
    const value = this.body[key]
    if (value === undefined || value === null) return false
    if (typeof value !== 'boolean') throw invalid(`${this.what}: "${key}" must be true or false`)
    return value
  }

  /** A `*-data` field: base64 of a PEM. */
  data(key: string): Buffer | undefined {
    const value = this.string(key)
    if (value === undefined) return undefined
    if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) throw invalid(`${this.what}: "${key}" is not base64`)
    return Buffer.from(value, 'base64')
  }

  /** A file path field, resolved against the defining file's directory. */
  path(key: string, dir: string): string | undefined {
    const value = this.string(key)
    return value === undefined || isAbsolute(value) ? value : join(dir, value)
  }
}

function readPem(what: string, key: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw invalid(`${what}: cannot read ${key} ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`)
  }
}

/** Data wins over a file in kubectl too, but giving both is an error there; so it is here. */
function pem(fields: Fields, what: string, dataKey: string, fileKey: string, dir: string): Buffer | undefined {
  const data = fields.data(dataKey)
  const file = fields.path(fileKey, dir)
  if (data && file) throw invalid(`${what}: both "${dataKey}" and "${fileKey}" are set`, `keep one of them`)
  return data ?? (file === undefined ? undefined : readPem(what, fileKey, file))
}

function serverUrl(what: string, raw: string, tls: boolean): string {
  // Like client-go: a server without a scheme is https when TLS settings are present.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${tls ? 'https' : 'http'}://${raw}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw invalid(`${what}: server "${raw}" is not a URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${what}: server "${raw}" is not an http or https URL`)
  // A user and password in the URL are not kubeconfig credentials (kubectl ignores them too): dropped.
  if (url.password) registerSecret(decodeURIComponent(url.password))
  url.username = ''
  url.password = ''
  url.search = ''
  url.hash = ''
  return url.toString().replace(/\/+$/, '')
}

function clusterConfig(name: string, entry: RawEntry): ClusterConfig {
  const what = `cluster "${name}"`
  if (!entry.body) throw invalid(`${what} is empty`)
  const f = new Fields(what, entry.body)
  const rawServer = f.string('server')
  if (rawServer === undefined) throw invalid(`${what} has no server`, "set the cluster's server URL (kubectl config set-cluster NAME --server=https://…)")
  const ca = pem(f, what, 'certificate-authority-data', 'certificate-authority', entry.dir)
  const insecureSkipTlsVerify = f.boolean('insecure-skip-tls-verify')
  const proxyUrl = f.string('proxy-url')
  if (proxyUrl !== undefined) {
    let scheme: string
    try {
      const parsed = new URL(proxyUrl)
      scheme = parsed.protocol
      if (parsed.password) registerSecret(decodeURIComponent(parsed.password))
    } catch {
      throw invalid(`${what}: proxy-url is not a URL`)
    }
    if (!['http:', 'https:', 'socks5:'].includes(scheme)) throw invalid(`${what}: proxy-url scheme "${scheme.replace(/:$/, '')}" is not supported`, 'use an http, https or socks5 proxy URL')
  }
  const extensions = Array.isArray(entry.body.extensions) ? (entry.body.extensions as unknown[]) : []
  const execExtension = (extensions.find((e) => (e as {name?: unknown} | null)?.name === EXEC_CLUSTER_EXTENSION) as {extension?: unknown} | undefined)?.extension
  return {
    ca,
    execExtension,
    insecureSkipTlsVerify,
    name,
    proxyUrl,
    server: serverUrl(what, rawServer, ca !== undefined || insecureSkipTlsVerify),
    tlsServerName: f.string('tls-server-name'),
  }
}

function execConfig(what: string, body: unknown, dir: string): ExecConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(`${what}: "exec" must be a mapping`)
  const f = new Fields(`${what} exec`, body as Record<string, unknown>)
  const command = f.string('command')
  if (command === undefined) throw invalid(`${what}: exec has no command`)
  const apiVersion = f.string('apiVersion')
  if (apiVersion === undefined) throw invalid(`${what}: exec has no apiVersion`, `use apiVersion ${EXEC_API_VERSIONS[0]}`)
  if (!EXEC_API_VERSIONS.includes(apiVersion)) throw invalid(`${what}: exec apiVersion "${apiVersion}" is not supported`, `use ${EXEC_API_VERSIONS.join(' or ')}`)
  const mode = f.string('interactiveMode') ?? (apiVersion.endsWith('/v1beta1') ? 'IfAvailable' : undefined)
  if (mode === undefined) throw invalid(`${what}: exec has no interactiveMode`, 'set interactiveMode to Never, IfAvailable or Always (required with apiVersion v1)')
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') throw invalid(`${what}: exec interactiveMode "${mode}" is not Never, IfAvailable or Always`)
  const raw = body as Record<string, unknown>
  const args = raw.args ?? []
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw invalid(`${what}: exec args must be a list of strings`)
  const env = raw.env ?? []
  if (!Array.isArray(env)) throw invalid(`${what}: exec env must be a list of {name, value}`)
  const pairs = env.map((e: unknown) => {
    const {name, value} = (e ?? {}) as {name?: unknown; value?: unknown}
    if (typeof name !== 'string' || name === '') throw invalid(`${what}: every exec env entry needs a name`)
    return {name, value: typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value)}
  })
  return {
    apiVersion,
    args: args as string[],
    // client-go: only a command with a path separator is resolved against the kubeconfig's directory.
    command: command.includes(sep) && !isAbsolute(command) ? join(dir, command) : command,
    env: pairs,
    installHint: f.string('installHint'),
    interactiveMode: mode,
    provideClusterInfo: f.boolean('provideClusterInfo'),
  }
}

const REMOVED_AUTH_PROVIDERS: Record<string, string> = {
  azure: 'use the kubelogin credential plugin (https://github.com/Azure/kubelogin), e.g. kubelogin convert-kubeconfig',
  gcp: 'use the gke-gcloud-auth-plugin credential plugin (gcloud components install gke-gcloud-auth-plugin)',
}

function userConfig(name: string, entry: RawEntry): UserConfig {
  const what = `user "${name}"`
  const body = entry.body ?? {}
  const f = new Fields(what, body)
  const token = f.string('token')
  // kubectl's field is tokenFile; token-file is what client-node reads, accepted for its users.
  const tokenFile = f.path('tokenFile', entry.dir) ?? f.path('token-file', entry.dir)
  const username = f.string('username')
  const password = f.string('password')
  for (const secret of [token, password]) registerSecret(secret)
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw invalid(`${what} has more than one authentication method (token and username/password)`, 'keep one of them, as kubectl requires')
  }
  const cert = pem(f, what, 'client-certificate-data', 'client-certificate', entry.dir)
  const key = pem(f, what, 'client-key-data', 'client-key', entry.dir)
  registerSecret(key)
  registerSecret(f.string('client-key-data'))
  if (cert && !key) throw invalid(`${what} has a client certificate but no client key`, 'set client-key or client-key-data')
  const exec = body.exec === undefined || body.exec === null ? undefined : execConfig(what, body.exec, entry.dir)
  let authProvider: UserConfig['authProvider']
  const provider = body['auth-provider']
  if (provider !== undefined && provider !== null) {
    const {name: providerName, config} = provider as {name?: unknown; config?: unknown}
    if (typeof providerName !== 'string') throw invalid(`${what}: auth-provider has no name`)
    if (REMOVED_AUTH_PROVIDERS[providerName]) throw invalid(`${what}: the ${providerName} auth-provider was removed from kubectl and client-go`, REMOVED_AUTH_PROVIDERS[providerName])
    if (exec) throw invalid(`${what} has both an auth-provider and an exec plugin`, 'keep one of them, as kubectl requires')
    const settings: Record<string, string> = {}
    for (const [k, v] of Object.entries((config ?? {}) as Record<string, unknown>)) {
      settings[k] = String(v)
      registerSecret(settings[k])
    }
    authProvider = {config: settings, name: providerName}
  }
  return {authProvider, cert, exec, impersonate: f.string('as'), key, name, password, token, tokenFile, username}
}

/** client-go's test for "running in a pod": the service host and port, and a token file. */
function inClusterPossible(env: NodeJS.ProcessEnv, dir: string): boolean {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false
  try {
    return statSync(join(dir, 'token')).isFile()
  } catch {
    return false
  }
}

/** In a pod: $POD_NAMESPACE, else the service account's namespace file, else `default`. */
function inClusterNamespace(env: NodeJS.ProcessEnv, dir: string): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE
  try {
    const ns = readFileSync(join(dir, 'namespace'), 'utf8').trim()
    if (ns !== '') return ns
  } catch {
    // no namespace file
  }
  return 'default'
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): LoadedKubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST as string
  const ca = join(dir, 'ca.crt')
  return {
    cluster: {
      ca: existsSync(ca) ? readFileSync(ca) : undefined,
      execExtension: undefined,
      insecureSkipTlsVerify: false,
      name: 'in-cluster',
      proxyUrl: undefined,
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? ''}`,
      tlsServerName: undefined,
    },
    contextName: 'in-cluster',
    namespace: inClusterNamespace(env, dir),
    source: 'in-cluster service account',
    user: {authProvider: undefined, cert: undefined, exec: undefined, impersonate: undefined, key: undefined, name: 'in-cluster', password: undefined, token: undefined, tokenFile: join(dir, 'token'), username: undefined},
  }
}

function contextHint(config: MergedKubeConfig): string {
  const names = [...config.contexts.keys()]
  return names.length > 0 ? `use --context with one of: ${names.join(', ')}` : 'the kubeconfig defines no contexts'
}

export function loadKubeConfig(options: Pick<KubeOptions, 'context' | 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env, serviceAccountDir = SERVICE_ACCOUNT_DIR): LoadedKubeConfig {
  const config = readKubeConfigFiles(options, env)
  const podPossible = inClusterPossible(env, serviceAccountDir)
  if (!config) {
    if (podPossible && options.context === undefined) return inCluster(env, serviceAccountDir)
    if (env.KUBECONFIG) throw new ClusterError(`no kubeconfig file from $KUBECONFIG exists (${env.KUBECONFIG})`, {code: KubeErrorCode.noKubeconfig, hint: 'fix $KUBECONFIG or pass --kubeconfig'})
    throw new ClusterError('no kubeconfig found (no --kubeconfig, no $KUBECONFIG, no ~/.kube/config)', {
      code: KubeErrorCode.noKubeconfig,
      hint: "point --kubeconfig or $KUBECONFIG at the cluster's kubeconfig",
    })
  }
  return chooseContext(config, options.context, podPossible ? (() => inClusterNamespace(env, serviceAccountDir)) : undefined)
}

/** A kubeconfig held as text (another cluster's credentials), at its current context. */
export function loadKubeConfigText(text: string, source: string): LoadedKubeConfig {
  return chooseContext(kubeconfigFromText(text, source), undefined, undefined)
}

/** The chosen context of a merged config, its cluster and user checked; `podNamespace` when in a pod. */
function chooseContext(config: MergedKubeConfig, wanted: string | undefined, podNamespace: (() => string) | undefined): LoadedKubeConfig {
  const contextName = wanted ?? config.currentContext
  if (!contextName) throw new ClusterError(`kubeconfig ${config.source} has no current context`, {code: KubeErrorCode.unknownContext, hint: contextHint(config)})
  const context = config.contexts.get(contextName)
  if (!context) throw new ClusterError(`context "${contextName}" not found in kubeconfig ${config.source}`, {code: KubeErrorCode.unknownContext, hint: contextHint(config)})
  const f = new Fields(`context "${contextName}"`, context.body ?? {})

  const clusterName = f.string('cluster')
  if (clusterName === undefined) throw invalid(`context "${contextName}" names no cluster`, 'set the context\'s cluster (kubectl config set-context NAME --cluster=…)')
  const clusterEntry = config.clusters.get(clusterName)
  if (!clusterEntry) throw invalid(`context "${contextName}" refers to cluster "${clusterName}", which is not in kubeconfig ${config.source}`)

  const userName = f.string('user')
  let user: UserConfig | undefined
  if (userName !== undefined) {
    const userEntry = config.users.get(userName)
    if (!userEntry) throw invalid(`context "${contextName}" refers to user "${userName}", which is not in kubeconfig ${config.source}`)
    user = userConfig(userName, userEntry)
  }

  // client-go: the context's namespace; in a pod without one, the pod's; else `default`.
  const namespace = f.string('namespace') ?? podNamespace?.() ?? 'default'
  return {cluster: clusterConfig(clusterName, clusterEntry), contextName, namespace, source: config.source, user}
}
