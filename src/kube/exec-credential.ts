// Exec credential plugins (kubeconfig `user.exec`: aws eks get-token, gke-gcloud-auth-plugin,
// kubelogin, …) run the way client-go's exec authenticator runs them:
// - interactiveMode Never: stdin is /dev/null; IfAvailable: the terminal is passed through when
//   stdin is one; Always: refused without a terminal. KUBERNETES_EXEC_INFO says which, and carries
//   the cluster with provideClusterInfo.
// - The plugin's stderr reaches the user as it comes (device-code instructions, MFA prompts).
// - One plugin runs at a time in the process, and one fetch serves every concurrent request
//   (single flight). Credentials are reused until their expirationTimestamp, or for the whole run
//   when they have none; after a 401 they are fetched again (transport.ts decides when).
// - Without a terminal the plugin cannot prompt, so its run is bounded (it might wait forever).
// - Errors name the plugin, its exit code and the last line of its stderr, or the kubeconfig's
//   installHint when it is not installed. The plugin's stdout (the credential) is never shown.
import {spawn} from 'node:child_process'
import type {Readable} from 'node:stream'
import {isatty} from 'node:tty'

import {ClusterError, TimeoutError, UsageError} from '../errors.js'
import {formatDuration, parseDuration} from '../util/duration.js'
import type {ClusterConfig, ExecConfig} from './kubeconfig.js'
import {redact, registerSecret} from './redact.js'
import {KubeErrorCode} from './types.js'

const MAX_STDOUT_BYTES = 1024 * 1024
const STDERR_TAIL_BYTES = 8 * 1024
const PLUGIN_DOCS = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins'
/** How long a plugin without a terminal may run: it cannot prompt, so it is waiting for something. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000

export interface ExecCredential {
  token: string | undefined
  /** Client certificate and key, PEM, when the plugin returns them. */
  cert: Buffer | undefined
  key: Buffer | undefined
  /** Epoch ms; undefined: valid for the whole run. */
  expiresAt: number | undefined
}

export interface ExecIO {
  env: NodeJS.ProcessEnv
  /** Where the plugin's stderr goes when it is not a terminal pass-through. */
  stderr: NodeJS.WritableStream
  stdinIsTerminal: boolean
  /** The bound on a run without a terminal. */
  timeoutMs: number
  now: () => number
  /** Told before and after a plugin runs, so whoever draws on the terminal (a spinner) steps aside. */
  onRun?: ((running: boolean) => void) | undefined
}

/** The process's own terminal and stderr; $MESHPORT_EXEC_TIMEOUT (a duration) overrides the bound. */
export function defaultExecIO(env: NodeJS.ProcessEnv = process.env): ExecIO {
  let timeoutMs = DEFAULT_EXEC_TIMEOUT_MS
  if (env.MESHPORT_EXEC_TIMEOUT) {
    const parsed = parseDuration(env.MESHPORT_EXEC_TIMEOUT)
    if (parsed === undefined || parsed <= 0) throw new UsageError(`invalid MESHPORT_EXEC_TIMEOUT "${env.MESHPORT_EXEC_TIMEOUT}"`, {hint: 'use a duration such as 30s or 5m'})
    timeoutMs = parsed
  }
  return {env, now: Date.now, stderr: process.stderr, stdinIsTerminal: isatty(0), timeoutMs}
}

/** client-go's cleanANSIEscapeCodes: control characters other than whitespace become U+XXXX. */
export function cleanControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  return text.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, (c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)
}

/** Registers a plugin's stdout as secret: all of it, and the credential fields when it is JSON. */
function registerOutput(text: string): void {
  registerSecret(text)
  try {
    const status = (JSON.parse(text) as {status?: Record<string, unknown>} | null)?.status
    for (const key of ['token', 'clientKeyData']) if (typeof status?.[key] === 'string') registerSecret(status[key])
  } catch {
    // not JSON: the text itself is registered
  }
}

// One plugin at a time in the whole process: two prompts on one terminal cannot both be answered.
let queue: Promise<unknown> = Promise.resolve()
function serially<T>(run: () => Promise<T>): Promise<T> {
  const next = queue.then(run, run)
  queue = next.catch(() => undefined)
  return next
}

export class ExecCredentialPlugin {
  private cached: ExecCredential | undefined
  private pending: Promise<ExecCredential> | undefined
  /** How many times the plugin ran (for tests and --verbose). */
  runs = 0

  constructor(
    private readonly userName: string,
    private readonly exec: ExecConfig,
    private readonly cluster: ClusterConfig,
    private readonly io: ExecIO,
  ) {}

  private get label(): string {
    return `exec plugin "${this.exec.command}" of user "${this.userName}"`
  }

  /** The current credential: cached while valid, else one run shared by every caller. */
  get(): Promise<ExecCredential> {
    const cached = this.cached
    if (cached && (cached.expiresAt === undefined || this.io.now() < cached.expiresAt)) return Promise.resolve(cached)
    this.pending ??= serially(() => this.run()).finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  /** After the server rejected `used`: the next get() runs the plugin again, unless that already happened. */
  invalidate(used: ExecCredential): void {
    if (this.cached === used) this.cached = undefined
  }

  private interactive(): boolean {
    switch (this.exec.interactiveMode) {
      case 'Never':
        return false
      case 'IfAvailable':
        return this.io.stdinIsTerminal
      case 'Always':
        if (!this.io.stdinIsTerminal) {
          throw new ClusterError(`${this.label} needs a terminal (interactiveMode: Always), and standard input is not one`, {
            code: KubeErrorCode.execPlugin,
            hint: 'run meshport from a terminal, or log in beforehand so that the plugin need not prompt',
          })
        }
        return true
    }
  }

  private execInfo(interactive: boolean): string {
    const spec: Record<string, unknown> = {interactive}
    if (this.exec.provideClusterInfo) {
      const c = this.cluster
      const cluster: Record<string, unknown> = {server: c.server}
      if (c.tlsServerName) cluster['tls-server-name'] = c.tlsServerName
      if (c.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true
      if (c.ca) cluster['certificate-authority-data'] = c.ca.toString('base64')
      if (c.proxyUrl) cluster['proxy-url'] = c.proxyUrl
      if (c.execExtension !== undefined) cluster.config = c.execExtension
      spec.cluster = cluster
    }
    return JSON.stringify({apiVersion: this.exec.apiVersion, kind: 'ExecCredential', spec})
  }

  private async run(): Promise<ExecCredential> {
    // A concurrent caller's run may have finished while this one waited in the queue.
    const cached = this.cached
    if (cached && (cached.expiresAt === undefined || this.io.now() < cached.expiresAt)) return cached
    const interactive = this.interactive()
    this.io.onRun?.(true)
    try {
      const stdout = await this.spawn(interactive)
      this.cached = this.decode(stdout)
      return this.cached
    } finally {
      this.io.onRun?.(false)
    }
  }

  private spawn(interactive: boolean): Promise<Buffer> {
    const {command, args} = this.exec
    const env: NodeJS.ProcessEnv = {...this.io.env}
    for (const {name, value} of this.exec.env) env[name] = value
    env.KUBERNETES_EXEC_INFO = this.execInfo(interactive)
    this.runs++
    return new Promise<Buffer>((resolve, reject) => {
      // With a terminal, the plugin gets it as is (stdin and stderr), exactly as under kubectl.
      const child = spawn(command, args, {env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', interactive ? 'inherit' : 'pipe']})
      const stdout = child.stdout as Readable
      const out: Buffer[] = []
      let outBytes = 0
      let errTail = ''
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        fn()
      }
      stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length
        if (outBytes <= MAX_STDOUT_BYTES) out.push(chunk)
      })
      child.stderr?.on('data', (chunk: Buffer) => {
        this.io.stderr.write(chunk)
        errTail = (errTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES)
      })
      const timer = interactive
        ? undefined
        : setTimeout(() => {
            settle(() => reject(this.timedOut()))
            child.kill('SIGKILL')
            stdout.destroy()
            child.stderr?.destroy()
          }, this.io.timeoutMs)
      child.once('error', (err: NodeJS.ErrnoException) => settle(() => reject(this.notStarted(err))))
      child.once('close', (code, signal) => {
        settle(() => {
          if (code === 0) {
            if (outBytes > MAX_STDOUT_BYTES) reject(this.badOutput(`wrote more than ${MAX_STDOUT_BYTES} bytes on stdout`))
            else resolve(Buffer.concat(out))
          } else {
            // What a failing plugin printed may still be (part of) a credential its stderr repeats.
            registerOutput(Buffer.concat(out).toString('utf8'))
            reject(this.failed(code, signal, errTail, interactive))
          }
        })
      })
    })
  }

  private timedOut(): TimeoutError {
    return new TimeoutError(`${this.label} returned no credential within ${formatDuration(this.io.timeoutMs)} (no terminal is attached, so it cannot prompt)`, {
      code: KubeErrorCode.execPlugin,
      hint: 'log in first with the tool behind the plugin, or run meshport from a terminal; MESHPORT_EXEC_TIMEOUT sets this bound (e.g. 5m)',
    })
  }

  private notStarted(err: NodeJS.ErrnoException): ClusterError {
    if (err.code === 'ENOENT') {
      const where = this.exec.command.includes('/') ? 'does not exist' : 'was not found on PATH'
      const hint = this.exec.installHint ? cleanControl(this.exec.installHint).trim() : `install it, or fix the exec command of user "${this.userName}" in the kubeconfig (see ${PLUGIN_DOCS})`
      return new ClusterError(`${this.label} ${where}`, {code: KubeErrorCode.execPlugin, hint})
    }
    return new ClusterError(`${this.label} could not be started (${err.code ?? err.message})`, {
      code: KubeErrorCode.execPlugin,
      hint: err.code === 'EACCES' ? `make it executable (chmod +x ${this.exec.command})` : 'check the exec command in the kubeconfig',
    })
  }

  private failed(code: number | null, signal: NodeJS.Signals | null, stderr: string, interactive: boolean): ClusterError {
    const how = code === null ? `was stopped by ${signal ?? 'a signal'}` : `failed with exit code ${code}`
    const last = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).at(-1)
    const said = last !== undefined ? `: ${redact(cleanControl(last)).slice(0, 1000)}` : interactive ? ' (its messages, if any, are above)' : ' and printed nothing on stderr'
    return new ClusterError(`${this.label} ${how}${said}`, {
      code: KubeErrorCode.execPlugin,
      hint: 'run the plugin yourself to see why (often: log in again with the tool behind it), or fix the exec entry in the kubeconfig',
    })
  }

  private badOutput(what: string): ClusterError {
    return new ClusterError(`${this.label} ${what}`, {code: KubeErrorCode.execPlugin, hint: `the plugin must print an ExecCredential (${this.exec.apiVersion}) as JSON on stdout; see ${PLUGIN_DOCS}`})
  }

  /** The ExecCredential on stdout. Messages never quote it: it holds the credential. */
  private decode(stdout: Buffer): ExecCredential {
    const text = stdout.toString('utf8')
    registerOutput(text)
    let doc: {apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> | null}
    try {
      doc = JSON.parse(text) as typeof doc
    } catch {
      throw this.badOutput('did not print JSON on stdout')
    }
    if (typeof doc !== 'object' || doc === null || doc.kind !== 'ExecCredential') throw this.badOutput('did not print an ExecCredential')
    if (doc.apiVersion !== this.exec.apiVersion) throw this.badOutput(`returned apiVersion ${JSON.stringify(doc.apiVersion)}, not ${this.exec.apiVersion} as the kubeconfig says`)
    const status = doc.status
    if (typeof status !== 'object' || status === null) throw this.badOutput('returned no status')
    const str = (key: string): string | undefined => (typeof status[key] === 'string' && status[key] !== '' ? (status[key]) : undefined)
    const token = str('token')
    const cert = str('clientCertificateData')
    const key = str('clientKeyData')
    registerSecret(token)
    registerSecret(key)
    if (token === undefined && cert === undefined && key === undefined) throw this.badOutput('returned neither a token nor a client certificate and key')
    if ((cert === undefined) !== (key === undefined)) throw this.badOutput('returned a client certificate without its key, or a key without its certificate')
    let expiresAt: number | undefined
    const expiry = status.expirationTimestamp
    if (expiry !== undefined && expiry !== null) {
      expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : Number.NaN
      if (Number.isNaN(expiresAt)) throw this.badOutput('returned an expirationTimestamp that is not an RFC 3339 time')
    }
    return {cert: cert === undefined ? undefined : Buffer.from(cert), expiresAt, key: key === undefined ? undefined : Buffer.from(key), token}
  }
}

// One plugin object per exec config and cluster in the process (client-go keeps the same cache),
// so every client built in a run shares its credential.
const plugins = new Map<string, ExecCredentialPlugin>()

export function execPlugin(userName: string, exec: ExecConfig, cluster: ClusterConfig, io: ExecIO): ExecCredentialPlugin {
  const key = JSON.stringify([userName, exec, cluster.server, cluster.tlsServerName, cluster.ca?.toString('base64')])
  let plugin = plugins.get(key)
  if (!plugin) plugins.set(key, (plugin = new ExecCredentialPlugin(userName, exec, cluster, io)))
  return plugin
}
