// What a request carries to prove who it is, from the context's user, in client-go's order:
// token, else tokenFile (read, whitespace trimmed); username/password; client certificate and
// key; an exec plugin (exec-credential.ts) or an auth-provider (oidc, through client-node); `as`
// impersonation. Like kubectl, none of it is sent to a plain-http server. A header value that HTTP
// cannot carry (a token with a line break) is refused by name, never echoed.
import {readFileSync} from 'node:fs'

import {ClusterError} from '../errors.js'
import {KubeConfig} from './client-node.js'
import {execPlugin, type ExecCredential, type ExecCredentialPlugin, type ExecIO} from './exec-credential.js'
import type {ClusterConfig, UserConfig} from './kubeconfig.js'
import {registerSecret} from './redact.js'
import {KubeErrorCode} from './types.js'

export interface Credentials {
  headers: Record<string, string>
  /** Client certificate and key, PEM. */
  cert: Buffer | undefined
  key: Buffer | undefined
  /** The exec credential behind them, to invalidate after a 401. */
  exec?: ExecCredential
}

/** Node's rule for header values (RFC 7230 field-value without obs-fold). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/

export class CredentialSource {
  private readonly plugin: ExecCredentialPlugin | undefined
  /** Whether asking again can give other credentials (so a 401 is worth a second try). */
  readonly renewable: boolean

  constructor(
    private readonly user: UserConfig | undefined,
    cluster: ClusterConfig,
    io: ExecIO,
  ) {
    const secure = cluster.server.startsWith('https:')
    if (!secure) this.user = undefined
    const exec = this.user?.exec
    // client-go: a token, basic auth or client certificate in the kubeconfig wins over the plugin.
    const static_ = this.user && (this.user.token !== undefined || this.user.tokenFile !== undefined || this.user.username !== undefined || this.user.cert !== undefined)
    this.plugin = this.user && exec && !static_ ? execPlugin(this.user.name, exec, cluster, io) : undefined
    this.renewable = this.plugin !== undefined || this.user?.tokenFile !== undefined || this.user?.authProvider !== undefined
  }

  /** The user's credentials now (an exec plugin may run, at most once at a time). */
  async get(): Promise<Credentials> {
    const user = this.user
    const creds: Credentials = {cert: undefined, headers: {}, key: undefined}
    if (!user) return creds
    let token = user.token
    if (token === undefined && user.tokenFile !== undefined) token = this.readTokenFile(user.name, user.tokenFile)
    if (token !== undefined) creds.headers.authorization = this.header(user.name, 'token', `Bearer ${token}`)
    if (user.username !== undefined || user.password !== undefined) {
      const basic = Buffer.from(`${user.username ?? ''}:${user.password ?? ''}`).toString('base64')
      registerSecret(basic)
      creds.headers.authorization = `Basic ${basic}`
    }
    creds.cert = user.cert
    creds.key = user.key
    if (this.plugin) {
      const exec = await this.plugin.get()
      creds.exec = exec
      if (exec.token !== undefined) creds.headers.authorization = this.header(user.name, 'exec plugin token', `Bearer ${exec.token}`)
      if (exec.cert) {
        creds.cert = exec.cert
        creds.key = exec.key
      }
    } else if (user.authProvider) {
      const authorization = await this.authProvider(user)
      if (authorization !== undefined) creds.headers.authorization = this.header(user.name, `${user.authProvider.name} auth-provider token`, authorization)
    }
    if (user.impersonate !== undefined) creds.headers['impersonate-user'] = this.header(user.name, 'as (impersonated user)', user.impersonate)
    return creds
  }

  /** After the server rejected `used`: the next get() fetches anew (exec plugin, token file, auth-provider). */
  forget(used: Credentials): void {
    if (used.exec) this.plugin?.invalidate(used.exec)
  }

  private readTokenFile(userName: string, file: string): string {
    let token: string
    try {
      token = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ClusterError(`cannot read the tokenFile ${file} of user "${userName}" (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, {
        code: KubeErrorCode.badKubeconfig,
        hint: 'fix the path in the kubeconfig, or the file\'s permissions',
      })
    }
    registerSecret(token)
    return token.trim()
  }

  private header(userName: string, what: string, value: string): string {
    registerSecret(value)
    if (INVALID_HEADER_VALUE.test(value)) {
      throw new ClusterError(`the ${what} of user "${userName}" contains a line break or another character an HTTP header cannot carry`, {
        code: KubeErrorCode.badKubeconfig,
        hint: 'remove the stray characters (often a trailing newline) from the kubeconfig; kubectl refuses it too',
      })
    }
    return value
  }

  /** oidc and any other auth-provider client-node knows, through its own authenticators. */
  private async authProvider(user: UserConfig): Promise<string | undefined> {
    const kc = new KubeConfig()
    kc.loadFromOptions({
      clusters: [{name: 'cluster', server: 'https://auth-provider.invalid', skipTLSVerify: false}],
      contexts: [{cluster: 'cluster', name: 'context', user: user.name}],
      currentContext: 'context',
      users: [{authProvider: user.authProvider, name: user.name}],
    })
    const options: {headers?: Record<string, unknown>} = {}
    try {
      await kc.applyToHTTPSOptions(options as Parameters<KubeConfig['applyToHTTPSOptions']>[0])
    } catch (err) {
      throw new ClusterError(`the ${user.authProvider?.name ?? ''} auth-provider of user "${user.name}" gave no token: ${(err as Error).message.split('\n', 1)[0] ?? ''}`, {
        code: KubeErrorCode.unauthorized,
        hint: 'log in again with the tool that wrote this kubeconfig',
      })
    }
    const value = options.headers?.Authorization ?? options.headers?.authorization
    return typeof value === 'string' ? value : undefined
  }
}
