// No credential in any output: every error path of the kube layer, driven through the CLI with
// --verbose, with recognisable secrets in every place a credential lives (token, token file,
// password, client key, exec plugin output, proxy password, auth-provider tokens, a header value),
// must leave stdout and stderr, and a diagnose bundle, without any of them.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {gunzipSync} from 'node:zlib'

import {parse, stringify} from 'yaml'

import {makeApiPki} from '../cluster/pki.js'
import {connectProxy, type TestProxy} from '../helpers/proxies.js'
import {runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'

const V1 = 'client.authentication.k8s.io/v1'
const SECRET = {
  keyMarker: 'MESHPORTSECRETKEYMATERIAL',
  password: 'p4ssw0rd-SECRET-basic-8d1e',
  proxyPassword: 'pr0xy-SECRET-pass-41aa',
  token: 'tok3n-SECRET-wrong-5c2b90',
  oidcRefresh: 'oidc-SECRET-refresh-77e1',
}

type Kubeconfig = {clusters: Array<{cluster: Record<string, unknown>}>; users: Array<{name: string; user: Record<string, unknown>}>; contexts: Array<{context: Record<string, unknown>}>}

describe('no credential in any output', {concurrency: 4, timeout: 300_000}, () => {
  let sim: Sim
  let dir: string
  let proxy: TestProxy
  let silent: ReturnType<typeof createServer>
  let silentPort: number
  let deadPort: number
  const silentSockets: Socket[] = []
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    dir = mkdtempSync(join(tmpdir(), 'meshport-redaction-'))
    proxy = await connectProxy({requireAuth: 'Basic bm9ib2R5Om5vdGhpbmc='})
    silent = createServer((s) => silentSockets.push(s))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentPort = (silent.address() as AddressInfo).port
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    deadPort = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  })
  after(async () => {
    for (const s of silentSockets) s.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
    await proxy.close()
    await sim.stop()
    rmSync(dir, {force: true, recursive: true})
  })

  const base = (): Kubeconfig => parse(readFileSync(sim.kubeconfigPath, 'utf8')) as Kubeconfig
  const user = (kc: Kubeconfig): Record<string, unknown> => (kc.users[0] as {user: Record<string, unknown>}).user
  const cluster = (kc: Kubeconfig): Record<string, unknown> => (kc.clusters[0] as {cluster: Record<string, unknown>}).cluster
  const script = (name: string, body: string): string => {
    const path = join(dir, name)
    writeFileSync(path, `#!/bin/sh\n${body}\n`)
    chmodSync(path, 0o755)
    return path
  }
  const execUser = (kc: Kubeconfig, command: string): void => {
    kc.users[0] = {name: 'meshport-sim-token', user: {exec: {apiVersion: V1, command, interactiveMode: 'Never'}}}
  }
  /** A client key whose PEM lines carry a marker, so a leak of any line is recognisable. */
  const markedKey = `-----BEGIN PRIVATE KEY-----\n${SECRET.keyMarker}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n${SECRET.keyMarker}BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n-----END PRIVATE KEY-----\n`

  /** Every form a secret may leak in: the value, its base64, and (for keys) each line. */
  const forms = (secrets: string[]): string[] => secrets.flatMap((s) => [s, Buffer.from(s).toString('base64'), ...s.split('\n').filter((l) => l.length >= 16)])

  /**
   * Runs the CLI and checks that no form of the secrets is in what it printed. `pluginStderr`: lines
   * an exec plugin writes on stderr, passed through as they come (as kubectl does): they are the
   * plugin's words, shown verbatim, and left out of the check; meshport's own lines are checked.
   */
  const run = async (name: string, kubeconfig: Kubeconfig | string, secrets: string[], options: {args?: string[]; env?: NodeJS.ProcessEnv; code?: number | 'any'; pluginStderr?: string[]} = {}): Promise<string> => {
    const path = join(dir, `${name}.yaml`)
    writeFileSync(path, typeof kubeconfig === 'string' ? kubeconfig : stringify(kubeconfig))
    const env = {HTTPS_PROXY: '', KUBECONFIG: '', MESHPORT_EXEC_TIMEOUT: '3s', NO_PROXY: '', ...options.env}
    const r = await runCli([...(options.args ?? ['diagnose', 'ports']), '--kubeconfig', path, '--request-timeout', '2s', '--verbose'], {env})
    let all = `${r.stdout}\n${r.stderr}`
    if (typeof options.code === 'number') assert.equal(r.code, options.code, all)
    else if (options.code === undefined) assert.notEqual(r.code, 0, all)
    for (const line of options.pluginStderr ?? []) {
      assert.ok(all.includes(`${line}\n`), `${name}: the plugin's stderr was not passed through:\n${all}`)
      all = all.replace(`${line}\n`, '')
    }
    for (const form of forms(secrets)) assert.ok(!all.includes(form), `${name}: "${form.slice(0, 30)}…" leaked:\n${all}`)
    return all
  }

  test('the kubeconfig: a YAML error on the token line, two auth methods, a token with a newline, bad base64', async () => {
    const both = base()
    Object.assign(user(both), {password: SECRET.password, token: SECRET.token, username: 'admin'})
    const newline = base()
    user(newline).token = `${SECRET.token}\n`
    const badKey = base()
    user(badKey)['client-key-data'] = `${SECRET.keyMarker}!!not-base64!!`
    await Promise.all([
      run('yaml-error', stringify(base()).replace(/token: \S+/, `token: ${SECRET.token}: oops`), [SECRET.token]),
      run('two-methods', both, [SECRET.token, SECRET.password]),
      run('newline', newline, [SECRET.token]),
      run('bad-base64', badKey, [SECRET.keyMarker]),
    ])
  })

  test('the API server: a rejected token, a rejected password, an unreachable or silent server', async () => {
    const wrong = base()
    user(wrong).token = SECRET.token
    const basic = base()
    basic.users[0] = {name: 'meshport-sim-token', user: {password: SECRET.password, username: 'admin'}}
    const dead = base()
    cluster(dead).server = `https://admin:${SECRET.password}@127.0.0.1:${deadPort}`
    user(dead).token = SECRET.token
    const quiet = base()
    cluster(quiet).server = `https://127.0.0.1:${silentPort}`
    user(quiet).token = SECRET.token
    const [rejected, , unreachable] = await Promise.all([
      run('401', wrong, [SECRET.token]),
      run('401-basic', basic, [SECRET.password]),
      run('unreachable', dead, [SECRET.token, SECRET.password]),
      // Accepts TCP, never speaks TLS: no connection, so unreachable (exit 3), not a stall.
      run('silent', quiet, [SECRET.token], {code: 3}),
    ])
    assert.match(rejected, /rejected the credentials/)
    assert.match(unreachable, /ECONNREFUSED/)
  })

  test('TLS: a server from another CA with a client key in the kubeconfig; a key that is not one', async () => {
    const other = base()
    cluster(other)['certificate-authority-data'] = Buffer.from(makeApiPki().ca.certPem).toString('base64')
    other.users[0] = {name: 'meshport-sim-token', user: {'client-certificate-data': Buffer.from(sim.cluster.pki.client.certPem).toString('base64'), 'client-key-data': Buffer.from(sim.cluster.pki.client.keyPem).toString('base64')}}
    assert.match(await run('tls', other, [sim.cluster.pki.client.keyPem]), /TLS handshake/)
    const unusable = base()
    unusable.users[0] = {name: 'meshport-sim-token', user: {'client-certificate-data': Buffer.from(sim.cluster.pki.client.certPem).toString('base64'), 'client-key-data': Buffer.from(markedKey).toString('base64')}}
    assert.match(await run('bad-key', unusable, [markedKey, SECRET.keyMarker]), /cannot be used/)
  })

  test('a proxy that refuses or is not there, with its password in HTTPS_PROXY', async () => {
    const kc = base()
    cluster(kc).server = cluster(kc).server?.toString().replace('127.0.0.1', 'meshport-sim.test')
    cluster(kc)['tls-server-name'] = 'localhost'
    const withPassword = (url: string): string => url.replace('//', `//alice:${SECRET.proxyPassword}@`)
    assert.match(await run('proxy-407', kc, [SECRET.proxyPassword], {env: {HTTPS_PROXY: withPassword(proxy.url)}}), /407/)
    await run('proxy-down', kc, [SECRET.proxyPassword], {env: {HTTPS_PROXY: withPassword(`http://127.0.0.1:${deadPort}`)}})
  })

  test('exec plugins: bad output, a failure that repeats its token, stderr with a bearer header, a token with a newline', async () => {
    const cases: Array<[string, string, string[]]> = [
      ['garbage', `printf 'token=${SECRET.token}'`, []],
      ['wrong-version', `printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${SECRET.token}"}}'`, []],
      ['repeats', `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"${SECRET.token}"}}'\necho "could not cache ${SECRET.token}" >&2\nexit 1`, [`could not cache ${SECRET.token}`]],
      ['bearer', `echo "request failed: Authorization: Bearer ${SECRET.token}" >&2\nexit 2`, [`request failed: Authorization: Bearer ${SECRET.token}`]],
      ['newline', `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"${SECRET.token}\\\\n"}}'`, []],
    ]
    await Promise.all(
      cases.map(async ([name, body, pluginStderr]) => {
        const kc = base()
        execUser(kc, script(`${name}.sh`, body))
        const out = await run(`exec-${name}`, kc, [SECRET.token], {pluginStderr})
        if (pluginStderr.length > 0) assert.match(out, /\[REDACTED\]/, 'the message repeats the last stderr line, redacted')
      }),
    )
  })

  test('an oidc auth-provider whose refresh fails', async () => {
    const kc = base()
    kc.users[0] = {
      name: 'meshport-sim-token',
      user: {
        'auth-provider': {
          config: {'client-id': 'meshport', 'client-secret': SECRET.password, 'id-token': 'expired', 'idp-issuer-url': `https://127.0.0.1:${deadPort}`, 'refresh-token': SECRET.oidcRefresh},
          name: 'oidc',
        },
      },
    }
    await run('oidc', kc, [SECRET.password, SECRET.oidcRefresh])
  })

  test('errors the API server sends back holding the credential, on API calls and port-forwards, and in a bundle', async () => {
    // A valid credential from an exec plugin, which no kubeconfig holds; the server (a misbehaving
    // proxy in front of it, say) repeats it in its error messages.
    const token = sim.cluster.token
    const kc = base()
    execUser(kc, script('valid.sh', `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"${token}"}}'`))
    sim.cluster.injectApiError({message: `upstream rejected credential ${token}`, path: '/configmaps', status: 500})
    sim.cluster.injectApiError({message: `tunnel refused for ${token}`, path: '/portforward', status: 500})
    sim.cluster.injectApiError({message: `proxy refused for ${token}`, path: '/proxy/metrics', status: 500})
    assert.match(await run('api-echo', kc, [token], {args: ['check']}), /upstream rejected credential \[REDACTED\]/)
    assert.match(await run('api-echo-json', kc, [token], {args: ['check', '-o', 'json']}), /upstream rejected credential \[REDACTED\]/)
    // pods/proxy fails (500), so each pod falls back to a port-forward, which fails too.
    assert.match(await run('portforward-echo', kc, [token], {args: ['diagnose', 'proxy-metrics', 'deploy/web', '-n', 'emojivoto']}), /tunnel refused for \[REDACTED\]/)
    assert.match(await run('proxy-echo', kc, [token], {args: ['diagnose', 'proxy-metrics', 'deploy/web', '-n', 'emojivoto', '--scrape-via', 'proxy']}), /proxy refused for \[REDACTED\]/)
    // The bundle's exit code says whether problems were found; what matters here is what it holds.
    const bundle = join(dir, 'bundle.tar.gz')
    await run('bundle', kc, [token], {args: ['diagnose', 'bundle', '-n', 'emojivoto', '-f', bundle], code: 'any'})
    const raw = gunzipSync(readFileSync(bundle)).toString('utf8')
    assert.match(raw, /\[REDACTED\]/, 'the echoed credential was in the bundle, redacted')
    for (const form of forms([token])) assert.ok(!raw.includes(form), 'the exec token leaked into the bundle')
  })
})
