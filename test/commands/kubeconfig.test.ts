// Every kubeconfig kubectl accepts, one case per row: a kubeconfig (and the files and environment
// it needs) built around the simulated cluster, a cluster command run the way a user runs it, and
// the outcome: success with the right namespace, or the exact exit code, message and hint. Where
// kubectl can show the same behaviour, `kubectl get deploy` runs on the same kubeconfig and must
// agree (skipped visibly without kubectl, never under CI). Exec plugins are small shell scripts.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {parse, stringify} from 'yaml'

import {runKubectl} from '../helpers/kubectl.js'
import {connectProxy, plainFront, socksProxy, type PlainFront, type TestProxy} from '../helpers/proxies.js'
import {binPath, runCli, type CliResult} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {findTool, skipWithout} from '../helpers/tools.js'

type Kubeconfig = {
  clusters: Array<{name: string; cluster: Record<string, unknown>}>
  users: Array<{name?: string; user?: Record<string, unknown>}>
  contexts: Array<{name: string; context: Record<string, unknown>}>
  'current-context'?: string
  [key: string]: unknown
}

/** What a case can use: the cluster, its own directory, and the proxies and fronts of the run. */
interface Ctx {
  sim: Sim
  dir: string
  port: number
  token: string
  ca: string
  proxy: TestProxy
  socks: TestProxy
  authProxy: TestProxy
  front: PlainFront
  prefixed: PlainFront
  /** A port on which nothing listens. */
  deadPort: number
}

interface Expected {
  code: number
  stdout?: RegExp
  stderr?: RegExp
  /** The exact first lines of stderr: `Error: …` and `Hint: …`. */
  error?: string
  hint?: string | RegExp
}

interface Case {
  name: string
  /** The kubeconfig, changed from the simulated cluster's (undefined: the case writes its own files). */
  kubeconfig?: (kc: Kubeconfig, ctx: Ctx) => Kubeconfig | string | void
  /** Extra files in the case's directory; names may hold a subdirectory. Scripts end in .sh. */
  files?: (ctx: Ctx) => Record<string, string>
  env?: (ctx: Ctx) => NodeJS.ProcessEnv
  /** Uses $KUBECONFIG (these files of the case's directory) instead of --kubeconfig. */
  kubeconfigList?: string[]
  args?: string[]
  expect: (ctx: Ctx) => Expected
  /** `kubectl get deploy` on the same configuration: succeeds listing this namespace, or fails. */
  kubectl?: {namespace: string} | 'fails'
  /** Flags kubectl needs for the same choice (e.g. --context). */
  kubectlArgs?: string[]
  check?: (ctx: Ctx, result: CliResult) => void
}

const V1 = 'client.authentication.k8s.io/v1'
const PORTS = ['diagnose', 'ports']
const METRICS = ['diagnose', 'proxy-metrics', 'deploy/web', '-n', 'emojivoto']
const EMOJIVOTO = /^pod\/\S+ in emojivoto$/m
const DEFAULT_NS = /No pods found in namespace default\./
const WEB_METRICS = /# POD web-\S+ \(2 of 2\)/

const ctxOf = (kc: Kubeconfig): Record<string, unknown> => (kc.contexts[0] as {context: Record<string, unknown>}).context
const clusterOf = (kc: Kubeconfig): Record<string, unknown> => (kc.clusters[0] as {cluster: Record<string, unknown>}).cluster
const tokenUser = (kc: Kubeconfig): Record<string, unknown> => (kc.users[0] as {user: Record<string, unknown>}).user
const credential = (token: string): string => JSON.stringify({apiVersion: V1, kind: 'ExecCredential', status: {token}})
/** A plugin script that logs each run and prints the token. */
const tokenPlugin = (ctx: Ctx, extra = ''): string => `#!/bin/sh\necho run >> "${ctx.dir}/runs.log"\n${extra}printf '%s' '${credential(ctx.token)}'\n`
const runs = (ctx: Ctx): number => (existsSync(join(ctx.dir, 'runs.log')) ? readFileSync(join(ctx.dir, 'runs.log'), 'utf8').trim().split('\n').length : 0)
const viaName = (kc: Kubeconfig, ctx: Ctx): void => {
  // A name only the proxies know (they send every tunnel to 127.0.0.1); the certificate says localhost.
  clusterOf(kc).server = `https://meshport-sim.test:${ctx.port}`
  clusterOf(kc)['tls-server-name'] = 'localhost'
}
const execUser = (kc: Kubeconfig, exec: Record<string, unknown>): void => {
  tokenUser(kc).token = undefined
  delete tokenUser(kc).token
  tokenUser(kc).exec = {apiVersion: V1, interactiveMode: 'Never', ...exec}
}
const noCa = (kc: Kubeconfig): void => {
  delete clusterOf(kc)['certificate-authority-data']
}

const CASES: Case[] = [
  // ---- what worked before, and must keep working ----
  {name: 'token user of the current context', expect: () => ({code: 0, stderr: DEFAULT_NS}), kubectl: {namespace: 'default'}},
  {
    name: 'client certificate, chosen with --context',
    args: [...METRICS, '--context', 'meshport-sim-cert'],
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
    kubectlArgs: ['--context', 'meshport-sim-cert'],
  },
  {
    name: 'CA, client certificate and key as files relative to the kubeconfig (run from /)',
    files: (ctx) => ({'certs/ca.crt': ctx.ca, 'certs/admin.crt': ctx.sim.cluster.pki.client.certPem, 'certs/admin.key': ctx.sim.cluster.pki.client.keyPem}),
    kubeconfig: (kc) => {
      clusterOf(kc)['certificate-authority'] = 'certs/ca.crt'
      delete clusterOf(kc)['certificate-authority-data']
      kc.users[0] = {name: 'meshport-sim-token', user: {'client-certificate': 'certs/admin.crt', 'client-key': 'certs/admin.key'}}
    },
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: '$KUBECONFIG merges files: clusters in one, users and contexts in another',
    files: (ctx) => {
      const kc = parse(readFileSync(ctx.sim.kubeconfigPath, 'utf8')) as Kubeconfig
      return {'a.yaml': stringify({clusters: kc.clusters}), 'b.yaml': stringify({contexts: kc.contexts, 'current-context': 'meshport-sim', users: kc.users})}
    },
    kubeconfigList: ['a.yaml', 'missing.yaml', 'b.yaml'],
    expect: () => ({code: 0, stderr: DEFAULT_NS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'an unknown --context',
    args: [...PORTS, '--context', 'nope'],
    expect: (ctx) => ({code: 3, error: `context "nope" not found in kubeconfig ${ctx.dir}/kubeconfig`, hint: 'use --context with one of: meshport-sim, meshport-sim-cert'}),
    kubectl: 'fails',
    kubectlArgs: ['--context', 'nope'],
  },
  {
    name: 'a context naming a user that does not exist',
    kubeconfig: (kc) => void (ctxOf(kc).user = 'ghost'),
    expect: (ctx) => ({code: 3, error: `context "meshport-sim" refers to user "ghost", which is not in kubeconfig ${ctx.dir}/kubeconfig`}),
  },
  {
    name: 'a token the server rejects',
    kubeconfig: (kc) => void (tokenUser(kc).token = 'not-the-token'),
    expect: (ctx) => ({code: 3, error: `unauthorized: the API server at https://127.0.0.1:${ctx.port} rejected the credentials (Unauthorized)`}),
    kubectl: 'fails',
  },
  {
    name: 'tls-server-name for a server reached by IP',
    kubeconfig: (kc) => void (clusterOf(kc)['tls-server-name'] = 'localhost'),
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'a tls-server-name the certificate does not carry',
    kubeconfig: (kc) => void (clusterOf(kc)['tls-server-name'] = 'api.example'),
    expect: (ctx) => ({code: 3, error: `TLS handshake with https://127.0.0.1:${ctx.port} failed (ERR_TLS_CERT_ALTNAME_INVALID)`}),
    kubectl: 'fails',
  },

  // ---- 1. the context's namespace ----
  {name: 'the context namespace (kubens, set-context --namespace)', kubeconfig: (kc) => void (ctxOf(kc).namespace = 'emojivoto'), expect: () => ({code: 0, stdout: EMOJIVOTO}), kubectl: {namespace: 'emojivoto'}},
  {name: '-n wins over the context namespace', kubeconfig: (kc) => void (ctxOf(kc).namespace = 'emojivoto'), args: [...PORTS, '-n', 'booksapp'], expect: () => ({code: 0, stdout: /^pod\/\S+ in booksapp$/m})},
  {name: 'viz stat in the context namespace', kubeconfig: (kc) => void (ctxOf(kc).namespace = 'emojivoto'), args: ['viz', 'stat', 'deploy', '-t', '1s'], expect: () => ({code: 0, stdout: /^web\s+2\/2\s/m})},
  {name: 'diagnose proxy-metrics in the context namespace', kubeconfig: (kc) => void (ctxOf(kc).namespace = 'emojivoto'), args: ['diagnose', 'proxy-metrics', 'deploy/web'], expect: () => ({code: 0, stdout: WEB_METRICS})},

  // ---- 2, 3, 7. exec plugins ----
  {
    name: 'exec plugin by a relative path, run from /; one run for a whole check',
    files: (ctx) => ({'bin/auth.sh': tokenPlugin(ctx)}),
    kubeconfig: (kc) => execUser(kc, {command: './bin/auth.sh'}),
    args: ['check'],
    expect: () => ({code: 0, stdout: /Status check results are √/}),
    check: (ctx) => assert.equal(runs(ctx), 1, 'the plugin ran once (no expirationTimestamp: cached for the run)'),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'exec v1beta1 without interactiveMode (IfAvailable by default)',
    files: (ctx) => ({'auth.sh': tokenPlugin(ctx).replace(V1, 'client.authentication.k8s.io/v1beta1')}),
    kubeconfig: (kc) => execUser(kc, {apiVersion: 'client.authentication.k8s.io/v1beta1', command: './auth.sh', interactiveMode: undefined}),
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'exec plugin that prints device-code instructions and waits, no terminal',
    files: () => ({'devicecode.sh': '#!/bin/sh\necho "To sign in, open https://microsoft.com/devicelogin and enter the code F4K3C0D3." >&2\nsleep 30\n'}),
    kubeconfig: (kc) => execUser(kc, {command: './devicecode.sh', interactiveMode: 'IfAvailable'}),
    env: () => ({MESHPORT_EXEC_TIMEOUT: '1s'}),
    expect: (ctx) => ({
      code: 4,
      stderr: /^To sign in, open https:\/\/microsoft\.com\/devicelogin and enter the code F4K3C0D3\.\n/,
      error: `exec plugin "${ctx.dir}/devicecode.sh" of user "meshport-sim-token" returned no credential within 1s (no terminal is attached, so it cannot prompt)`,
    }),
  },
  {
    name: 'check with an exec plugin that waits, no terminal: a timeout, not an unreachable cluster',
    files: () => ({'devicecode.sh': '#!/bin/sh\necho "To sign in, open https://microsoft.com/devicelogin and enter the code F4K3C0D3." >&2\nsleep 30\n'}),
    kubeconfig: (kc) => execUser(kc, {command: './devicecode.sh', interactiveMode: 'IfAvailable'}),
    env: () => ({MESHPORT_EXEC_TIMEOUT: '1s'}),
    args: ['check', '-o', 'json'],
    expect: (ctx) => ({
      code: 4,
      stdout: /"code": "KUBE_EXEC_PLUGIN"/,
      error: `exec plugin "${ctx.dir}/devicecode.sh" of user "meshport-sim-token" returned no credential within 1s (no terminal is attached, so it cannot prompt)`,
    }),
  },
  {
    name: 'exec plugin that prompts, without a terminal: stdin is empty, as under kubectl',
    files: (ctx) => ({'mfa.sh': `#!/bin/sh\nprintf 'MFA code: ' >&2\nread code || { echo "no MFA code entered" >&2; exit 4; }\nprintf '%s' '${credential(ctx.token)}'\n`}),
    kubeconfig: (kc) => execUser(kc, {command: './mfa.sh', interactiveMode: 'IfAvailable'}),
    expect: (ctx) => ({code: 3, error: `exec plugin "${ctx.dir}/mfa.sh" of user "meshport-sim-token" failed with exit code 4: MFA code: no MFA code entered`, stderr: /^MFA code: no MFA code entered\n/}),
    kubectl: 'fails',
  },
  {
    name: 'exec plugin with interactiveMode Always, without a terminal',
    files: (ctx) => ({'always.sh': tokenPlugin(ctx)}),
    kubeconfig: (kc) => execUser(kc, {command: './always.sh', interactiveMode: 'Always'}),
    expect: (ctx) => ({code: 3, error: `exec plugin "${ctx.dir}/always.sh" of user "meshport-sim-token" needs a terminal (interactiveMode: Always), and standard input is not one`}),
    check: (ctx) => assert.equal(runs(ctx), 0),
    kubectl: 'fails',
  },
  {
    name: 'exec plugin that fails without a word',
    files: () => ({'silent.sh': '#!/bin/sh\nexit 3\n'}),
    kubeconfig: (kc) => execUser(kc, {command: './silent.sh'}),
    expect: (ctx) => ({code: 3, error: `exec plugin "${ctx.dir}/silent.sh" of user "meshport-sim-token" failed with exit code 3 and printed nothing on stderr`, hint: /^run the plugin yourself to see why/}),
    kubectl: 'fails',
  },
  {
    name: 'exec plugin that fails and says why',
    files: () => ({'expired.sh': '#!/bin/sh\necho "ERROR: (gcloud.auth) Your refresh token has expired." >&2\necho "Please run: gcloud auth login" >&2\nexit 1\n'}),
    kubeconfig: (kc) => execUser(kc, {command: './expired.sh'}),
    expect: (ctx) => ({code: 3, error: `exec plugin "${ctx.dir}/expired.sh" of user "meshport-sim-token" failed with exit code 1: Please run: gcloud auth login`, stderr: /^ERROR: \(gcloud\.auth\) Your refresh token has expired\.\nPlease run: gcloud auth login\n/}),
    kubectl: 'fails',
  },
  {
    name: 'exec plugin not installed, with the kubeconfig\'s installHint',
    kubeconfig: (kc) =>
      execUser(kc, {command: 'meshport-test-auth-plugin', installHint: 'meshport-test-auth-plugin is needed to talk to this cluster.\nInstall it with: apt-get install meshport-test-auth-plugin'}),
    expect: () => ({
      code: 3,
      error: 'exec plugin "meshport-test-auth-plugin" of user "meshport-sim-token" was not found on PATH',
      hint: 'meshport-test-auth-plugin is needed to talk to this cluster.\nInstall it with: apt-get install meshport-test-auth-plugin',
    }),
    kubectl: 'fails',
  },

  // ---- 4. proxies ----
  {
    name: 'HTTPS_PROXY, for API calls and port-forwards',
    kubeconfig: viaName,
    env: (ctx) => ({HTTPS_PROXY: ctx.proxy.url}),
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    check: (ctx) => {
      const mine = ctx.proxy.tunnels.filter((t) => t.target === `meshport-sim.test:${ctx.port}`)
      assert.ok(mine.length >= 3, `API calls and two port-forwards went through the proxy (${mine.length})`)
    },
    kubectl: {namespace: 'default'},
  },
  {
    name: 'NO_PROXY names the server: no proxy (and the name does not resolve)',
    kubeconfig: viaName,
    env: (ctx) => ({HTTPS_PROXY: `http://127.0.0.1:${ctx.deadPort}`, NO_PROXY: 'localhost,.test'}),
    expect: (ctx) => ({code: 3, error: `cannot reach the Kubernetes API at https://meshport-sim.test:${ctx.port} (ENOTFOUND)`}),
    kubectl: 'fails',
  },
  {
    name: 'proxy-url wins over HTTPS_PROXY',
    kubeconfig: (kc, ctx) => {
      viaName(kc, ctx)
      clusterOf(kc)['proxy-url'] = ctx.proxy.url
    },
    env: (ctx) => ({HTTPS_PROXY: `http://127.0.0.1:${ctx.deadPort}`}),
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'a SOCKS5 proxy-url with a user and password',
    kubeconfig: (kc, ctx) => {
      viaName(kc, ctx)
      clusterOf(kc)['proxy-url'] = ctx.socks.url.replace('//', '//meshport:s0cks-pass@')
    },
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    check: (ctx) => assert.ok(ctx.socks.tunnels.some((t) => t.authorization === 'meshport:s0cks-pass')),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'a proxy that wants credentials, given in HTTPS_PROXY',
    kubeconfig: viaName,
    env: (ctx) => ({HTTPS_PROXY: ctx.authProxy.url.replace('//', '//alice:pr0xy-pass@')}),
    expect: () => ({code: 0, stderr: DEFAULT_NS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'a proxy that wants credentials, without them',
    kubeconfig: viaName,
    env: (ctx) => ({HTTPS_PROXY: ctx.authProxy.url}),
    expect: (ctx) => ({
      code: 3,
      error: `list pods in default: cannot reach meshport-sim.test:${ctx.port} through the proxy ${ctx.authProxy.url}: the proxy refused CONNECT to meshport-sim.test:${ctx.port}: 407 Proxy Authentication Required`,
      hint: "check the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, or the cluster's proxy-url in the kubeconfig)",
    }),
    kubectl: 'fails',
  },
  {
    name: 'HTTPS_PROXY where nothing listens',
    kubeconfig: viaName,
    env: (ctx) => ({HTTPS_PROXY: `http://127.0.0.1:${ctx.deadPort}`}),
    expect: (ctx) => ({code: 3, error: `list pods in default: cannot reach meshport-sim.test:${ctx.port} through the proxy http://127.0.0.1:${ctx.deadPort}: connect ECONNREFUSED 127.0.0.1:${ctx.deadPort}`}),
    kubectl: 'fails',
  },

  // ---- 5. the system trust store ----
  {name: 'no CA in the kubeconfig, the CA in $SSL_CERT_FILE', kubeconfig: noCa, files: (ctx) => ({'ca.pem': ctx.ca}), env: (ctx) => ({SSL_CERT_FILE: join(ctx.dir, 'ca.pem')}), args: METRICS, expect: () => ({code: 0, stdout: WEB_METRICS}), kubectl: {namespace: 'default'}},
  {name: 'no CA in the kubeconfig, the CA in $SSL_CERT_DIR', kubeconfig: noCa, files: (ctx) => ({'certs/sim.pem': ctx.ca}), env: (ctx) => ({SSL_CERT_DIR: join(ctx.dir, 'certs')}), expect: () => ({code: 0, stderr: DEFAULT_NS}), kubectl: {namespace: 'default'}},
  {name: 'no CA in the kubeconfig and none in the system', kubeconfig: noCa, expect: (ctx) => ({code: 3, error: `TLS handshake with https://127.0.0.1:${ctx.port} failed (SELF_SIGNED_CERT_IN_CHAIN)`}), kubectl: 'fails'},

  // ---- 6. lenient parsing ----
  {
    name: 'unused entries kubectl itself writes: a cluster without server, a context without cluster, a nameless user',
    kubeconfig: (kc) => {
      kc.clusters.push({cluster: {}, name: 'half-made'})
      kc.contexts.push({context: {namespace: 'x', user: 'meshport-sim-token'}, name: 'no-cluster'})
      kc.users.push({user: {token: 'orphan'}})
    },
    expect: () => ({code: 0, stderr: DEFAULT_NS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'an empty file in $KUBECONFIG',
    files: (ctx) => ({'empty.yaml': '', 'config.yaml': readFileSync(ctx.sim.kubeconfigPath, 'utf8')}),
    kubeconfigList: ['empty.yaml', 'config.yaml'],
    expect: () => ({code: 0, stderr: DEFAULT_NS}),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'the chosen context without a cluster',
    kubeconfig: (kc) => void delete ctxOf(kc).cluster,
    expect: () => ({code: 3, error: 'context "meshport-sim" names no cluster'}),
  },

  // ---- 8. tokenFile ----
  {
    name: 'tokenFile, relative, with a trailing newline',
    files: (ctx) => ({'secrets/token': `${ctx.token}\n`}),
    kubeconfig: (kc) => {
      delete tokenUser(kc).token
      tokenUser(kc).tokenFile = 'secrets/token'
    },
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    kubectl: {namespace: 'default'},
  },

  // ---- 9. plain http and contexts without a user ----
  {
    name: 'an http:// server (kubectl proxy) and a context without a user',
    kubeconfig: (kc, ctx) => {
      kc.clusters[0] = {cluster: {server: ctx.front.url}, name: 'meshport-sim'}
      delete ctxOf(kc).user
    },
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    // The proxy's /metrics through pods/proxy (HTTP/1.1: no h2 without TLS), without credentials.
    check: (ctx) => assert.ok(ctx.front.requests.some((r) => /^GET \/api\/v1\/namespaces\/\S+\/pods\/\S+:4191\/proxy\/metrics auth=none$/.test(r)), ctx.front.requests.join('\n')),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'an http:// server under a path prefix (Rancher style); the token is not sent over http',
    kubeconfig: (kc, ctx) => void (kc.clusters[0] = {cluster: {server: ctx.prefixed.url}, name: 'meshport-sim'}),
    args: METRICS,
    expect: () => ({code: 0, stdout: WEB_METRICS}),
    check: (ctx) => assert.ok(ctx.prefixed.requests.length > 0 && ctx.prefixed.requests.every((r) => r.endsWith('auth=none')), ctx.prefixed.requests.join('\n')),
    kubectl: {namespace: 'default'},
  },
  {
    name: 'a context without a user against a server that wants one',
    kubeconfig: (kc) => void delete ctxOf(kc).user,
    expect: (ctx) => ({
      code: 3,
      error: `unauthorized: the API server at https://127.0.0.1:${ctx.port} wants credentials, and this context sends none (Unauthorized)`,
      hint: 'give the context a user with a token, client certificate or exec plugin (kubectl config set-context --current --user=…)',
    }),
    kubectl: 'fails',
  },

  // ---- 10. a credential HTTP cannot carry ----
  {
    name: 'a token with a trailing newline',
    kubeconfig: (kc, ctx) => void (tokenUser(kc).token = `${ctx.token}\n`),
    expect: () => ({
      code: 3,
      error: 'the token of user "meshport-sim-token" contains a line break or another character an HTTP header cannot carry',
      hint: 'remove the stray characters (often a trailing newline) from the kubeconfig; kubectl refuses it too',
    }),
    check: (ctx, r) => assert.ok(!r.stderr.includes(ctx.token) && !r.stdout.includes(ctx.token)),
    kubectl: 'fails',
  },
]

const kubectlSkip = skipWithout('kubectl', 'the cases run without the kubectl cross-check')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60)

describe('kubeconfig variants against the simulated cluster', {concurrency: 4, timeout: 600_000}, () => {
  let root: string
  const shared = {} as Omit<Ctx, 'dir'>
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'meshport-kubeconfigs-'))
    const sim = await startSim({scenario: 'healthy'})
    Object.assign(shared, {
      authProxy: await connectProxy({requireAuth: `Basic ${Buffer.from('alice:pr0xy-pass').toString('base64')}`}),
      ca: sim.cluster.pki.ca.certPem,
      deadPort: await freePort(),
      front: await plainFront(sim.cluster.server, sim.cluster.token),
      port: Number(new URL(sim.cluster.server).port),
      prefixed: await plainFront(sim.cluster.server, sim.cluster.token, '/k8s/clusters/c-m-4x2k9'),
      proxy: await connectProxy(),
      sim,
      socks: await socksProxy({password: 's0cks-pass', user: 'meshport'}),
      token: sim.cluster.token,
    })
  })
  after(async () => {
    for (const closer of [shared.proxy, shared.socks, shared.authProxy, shared.front, shared.prefixed]) await closer?.close()
    await shared.sim?.stop()
    rmSync(root, {force: true, recursive: true})
  })

  for (const c of CASES) {
    test(c.name, async () => {
      const ctx: Ctx = {...shared, dir: join(root, slug(c.name))}
      mkdirSync(ctx.dir, {recursive: true})
      for (const [name, text] of Object.entries(c.files?.(ctx) ?? {})) {
        const path = join(ctx.dir, name)
        mkdirSync(dirname(path), {recursive: true})
        writeFileSync(path, text)
        if (name.endsWith('.sh')) chmodSync(path, 0o755)
      }
      const path = join(ctx.dir, 'kubeconfig')
      const kc = parse(readFileSync(ctx.sim.kubeconfigPath, 'utf8')) as Kubeconfig
      const changed = c.kubeconfig?.(kc, ctx)
      writeFileSync(path, typeof changed === 'string' ? changed : stringify(changed ?? kc))
      const where = c.kubeconfigList ? {KUBECONFIG: c.kubeconfigList.map((f) => join(ctx.dir, f)).join(delimiter)} : {KUBECONFIG: ''}
      // No proxy or trust settings of the machine running the tests leak into a case.
      const env: NodeJS.ProcessEnv = {HOME: ctx.dir, HTTPS_PROXY: '', HTTP_PROXY: '', NO_PROXY: '', SSL_CERT_DIR: '', SSL_CERT_FILE: '', https_proxy: '', http_proxy: '', no_proxy: '', ...where, ...c.env?.(ctx)}
      const kubeconfigFlag = c.kubeconfigList ? [] : ['--kubeconfig', path]
      const result = await runCli([...(c.args ?? PORTS), ...kubeconfigFlag], {cwd: '/', env})

      const expected = c.expect(ctx)
      const report = `exit ${result.code}\n--- stdout\n${result.stdout.slice(0, 2000)}\n--- stderr\n${result.stderr}`
      assert.equal(result.code, expected.code, report)
      if (expected.stdout) assert.match(result.stdout, expected.stdout, report)
      if (expected.stderr) assert.match(result.stderr, expected.stderr, report)
      if (expected.error !== undefined) {
        const at = result.stderr.indexOf('Error: ')
        assert.ok(at >= 0, report)
        const [message = '', ...rest] = result.stderr.slice(at + 'Error: '.length).split('\nHint: ')
        assert.equal(message.trimEnd(), expected.error, report)
        if (typeof expected.hint === 'string') assert.equal(rest.join('\nHint: ').trimEnd(), expected.hint, report)
        else if (expected.hint) assert.match(rest.join('\nHint: '), expected.hint, report)
      }
      if (expected.code === 0) assert.ok(!result.stderr.includes('Error:'), report)
      c.check?.(ctx, result)

      if (c.kubectl === undefined || kubectlSkip !== false) return
      const k = await runKubectl([...kubeconfigFlag, ...(c.kubectlArgs ?? []), 'get', 'deploy'], {...env, KUBECACHEDIR: join(ctx.dir, '.kube-cache')}, '/')
      const kreport = `kubectl: exit ${k.code}\n${k.stdout}\n${k.stderr}`
      if (c.kubectl === 'fails') {
        assert.notEqual(k.code, 0, kreport)
        return
      }
      assert.equal(k.code, 0, kreport)
      if (c.kubectl.namespace === 'default') assert.match(k.stderr, /No resources found in default namespace\./, kreport)
      else assert.match(k.stdout, /^web\s+2\/2\s/m, kreport)
    })
  }

  test('kubectl cross-checks ran', {skip: kubectlSkip}, () => {
    assert.ok(CASES.filter((c) => c.kubectl !== undefined).length >= 20)
  })
})

// An exec plugin that prompts, on a real pseudo-terminal (util-linux script): with interactiveMode
// IfAvailable the terminal is passed through, the prompt shows, the answer reaches the plugin and
// KUBERNETES_EXEC_INFO says interactive; with Never it gets no stdin even there.
const ptySkip = skipWithout('script', 'the terminal cases of exec plugins')

describe('exec plugins that prompt, on a terminal', {skip: ptySkip, timeout: 120_000}, () => {
  let sim: Sim
  let dir: string
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    dir = mkdtempSync(join(tmpdir(), 'meshport-mfa-'))
    writeFileSync(
      join(dir, 'mfa.sh'),
      `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/exec-info.json"\nprintf 'MFA code for meshport-sim: ' >&2\nread code || exit 4\n` +
        `[ "$code" = "246810" ] || { echo "wrong code" >&2; exit 5; }\nprintf '%s' '${credential(sim.cluster.token)}'\n`,
    )
    chmodSync(join(dir, 'mfa.sh'), 0o755)
  })
  after(async () => {
    await sim?.stop()
    rmSync(dir, {force: true, recursive: true})
  })

  const onTerminal = async (mode: string, args: string[] = PORTS): Promise<{code: number | null; output: string}> => {
    const kc = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as Kubeconfig
    execUser(kc, {command: './mfa.sh', interactiveMode: mode})
    const path = join(dir, `kubeconfig-${mode}`)
    writeFileSync(path, stringify(kc))
    const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`
    const command = `stty cols 120 rows 40; exec ${[process.execPath, binPath, ...args, '--kubeconfig', path].map(quote).join(' ')}`
    const env: NodeJS.ProcessEnv = {...process.env, KUBECONFIG: '', TERM: 'xterm-256color'}
    delete env.CI
    const child = spawn(findTool('script') ?? 'script', ['-qefc', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let output = ''
    let answered = false
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (!answered && output.includes('MFA code for meshport-sim: ')) {
        answered = true
        // A person takes a moment to type: long enough for a spinner that did not pause to redraw.
        setTimeout(() => child.stdin.write('246810\r'), 600)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.stdin.on('error', () => {})
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(timer)
    return {code, output}
  }

  test('IfAvailable: the prompt shows (the spinner pauses), the code typed reaches the plugin, check passes', async () => {
    const r = await onTerminal('IfAvailable', ['check'])
    assert.equal(r.code, 0, r.output)
    assert.match(r.output, /MFA code for meshport-sim: 246810/, 'nothing drawn between the prompt and the answer')
    assert.match(r.output, /connecting to the Kubernetes API/, 'a spinner was there to pause')
    assert.match(r.output, /can query the Kubernetes API/)
    assert.equal(JSON.parse(readFileSync(join(dir, 'exec-info.json'), 'utf8')).spec.interactive, true)
  })

  test('Never: the plugin gets no stdin, even on a terminal', async () => {
    const r = await onTerminal('Never')
    assert.equal(r.code, 3, r.output)
    assert.match(r.output, /failed with exit code 4/)
    assert.equal(JSON.parse(readFileSync(join(dir, 'exec-info.json'), 'utf8')).spec.interactive, false)
  })
})
