// Exec credential plugins run as client-go runs them: single flight, one plugin at a time, cached
// until expiry (or for the run), stderr as it comes, bounded without a terminal, and errors that
// name the plugin, its exit code and its stderr, never its stdout.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {ClusterError, TimeoutError} from '../../src/errors.js'
import {ExecCredentialPlugin, type ExecIO} from '../../src/kube/exec-credential.js'
import type {ClusterConfig, ExecConfig} from '../../src/kube/kubeconfig.js'
import {KubeErrorCode} from '../../src/kube/types.js'

const V1 = 'client.authentication.k8s.io/v1'
const cluster: ClusterConfig = {ca: Buffer.from('CA PEM'), execExtension: {audience: 'shop'}, insecureSkipTlsVerify: false, name: 'c', proxyUrl: undefined, server: 'https://api.example:6443', tlsServerName: 'api'}

describe('exec credential plugins', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-exec-'))
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  /** A node script as the plugin: `body` runs with `log(line)` appending to runs.log. */
  const script = (name: string, body: string): string => {
    const path = join(dir, `${name}.mjs`)
    writeFileSync(
      path,
      `import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'\n` +
        `const log = (line) => appendFileSync(${JSON.stringify(join(dir, `${name}.log`))}, line + '\\n')\n` +
        `const credential = (status, apiVersion = ${JSON.stringify(V1)}) => process.stdout.write(JSON.stringify({apiVersion, kind: 'ExecCredential', status}))\n` +
        `${body}\n`,
    )
    return path
  }
  const runsOf = (name: string): string[] => (existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), 'utf8').trim().split('\n') : [])
  const stderrText: string[] = []
  const io = (extra: Partial<ExecIO> = {}): ExecIO => ({
    env: {PATH: process.env.PATH ?? ''},
    now: Date.now,
    stderr: new Writable({write: (chunk: Buffer, _enc, done) => (stderrText.push(chunk.toString()), done())}),
    stdinIsTerminal: false,
    timeoutMs: 10_000,
    ...extra,
  })
  const plugin = (path: string, exec: Partial<ExecConfig> = {}, extra: Partial<ExecIO> = {}): ExecCredentialPlugin =>
    new ExecCredentialPlugin('dev', {apiVersion: V1, args: [path], command: process.execPath, env: [], installHint: undefined, interactiveMode: 'Never', provideClusterInfo: false, ...exec}, cluster, io(extra))
  const failsWith = async (p: ExecCredentialPlugin, type: typeof ClusterError | typeof TimeoutError, message: RegExp, hint?: RegExp): Promise<void> => {
    await assert.rejects(p.get(), (err: unknown) => {
      assert.ok(err instanceof type, String(err))
      assert.equal(err.code, KubeErrorCode.execPlugin)
      assert.match(err.message, message)
      if (hint) assert.match(err.hint ?? '', hint)
      return true
    })
  }

  test('one run serves every concurrent caller; without expirationTimestamp it lasts the run', async () => {
    const p = plugin(script('once', `log('run'); setTimeout(() => credential({token: 'tok-once'}), 200)`))
    const all = await Promise.all(Array.from({length: 8}, () => p.get()))
    assert.ok(all.every((c) => c === all[0] && c.token === 'tok-once' && c.expiresAt === undefined))
    await p.get()
    assert.deepEqual(runsOf('once'), ['run'])
  })

  test('with expirationTimestamp it is reused until then; invalidate() after a 401 forces a new run', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    // The first credential expires at 00:10, later ones at 01:00.
    const later = `existsSync(${JSON.stringify(join(dir, 'expiry.log'))})`
    const p = plugin(script('expiry', `const again = ${later}; log('run'); credential({token: 'tok-' + Date.now(), expirationTimestamp: again ? '2030-01-01T01:00:00Z' : '2030-01-01T00:10:00Z'})`), {}, {now: () => now})
    const first = await p.get()
    assert.equal(first.expiresAt, Date.parse('2030-01-01T00:10:00Z'))
    now += 9 * 60_000
    assert.equal(await p.get(), first)
    now += 2 * 60_000
    const second = await p.get()
    assert.notEqual(second, first)
    p.invalidate(first) // stale: someone already renewed it
    assert.equal(await p.get(), second)
    p.invalidate(second)
    assert.notEqual(await p.get(), second)
    assert.equal(runsOf('expiry').length, 3)
  })

  test('one plugin at a time in the process, even two different ones', async () => {
    const body = (name: string): string => `log('start ${name} ' + Date.now()); setTimeout(() => { log('end ${name} ' + Date.now()); credential({token: 'x'}) }, 150)`
    await Promise.all([plugin(script('first', body('first'))).get(), plugin(script('second', body('second'))).get()])
    const [startA, endA] = runsOf('first').map((l) => Number(l.split(' ')[2]))
    const [startB, endB] = runsOf('second').map((l) => Number(l.split(' ')[2]))
    assert.ok((endA as number) <= (startB as number) || (endB as number) <= (startA as number), JSON.stringify({endA, endB, startA, startB}))
  })

  test('KUBERNETES_EXEC_INFO, the configured env and the cluster with provideClusterInfo', async () => {
    const path = script('info', `writeFileSync(${JSON.stringify(join(dir, 'info.json'))}, JSON.stringify({info: JSON.parse(process.env.KUBERNETES_EXEC_INFO), region: process.env.AWS_REGION})); credential({token: 'x'})`)
    await plugin(path, {env: [{name: 'AWS_REGION', value: 'eu-west-1'}], provideClusterInfo: true}).get()
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')), {
      info: {
        apiVersion: V1,
        kind: 'ExecCredential',
        spec: {cluster: {'certificate-authority-data': Buffer.from('CA PEM').toString('base64'), config: {audience: 'shop'}, server: 'https://api.example:6443', 'tls-server-name': 'api'}, interactive: false},
      },
      region: 'eu-west-1',
    })
  })

  test('stderr reaches the user while the plugin still runs (device-code instructions)', async () => {
    const go = join(dir, 'go')
    const path = script('device', `process.stderr.write('To sign in, open https://login.example/device and enter ABCD-EFGH\\n'); const wait = () => existsSync(${JSON.stringify(go)}) ? credential({token: 'device-token'}) : setTimeout(wait, 20); wait()`)
    stderrText.length = 0
    const pending = plugin(path).get()
    for (let i = 0; i < 200 && !stderrText.join('').includes('ABCD-EFGH'); i++) await sleep(25)
    assert.match(stderrText.join(''), /enter ABCD-EFGH/, 'the instructions came before the plugin ended')
    writeFileSync(go, '')
    assert.equal((await pending).token, 'device-token')
  })

  test('without a terminal a waiting plugin is stopped after the bound; Always refuses to start', async () => {
    const started = Date.now()
    await failsWith(plugin(script('hang', `setInterval(() => {}, 1000)`), {}, {timeoutMs: 300}), TimeoutError, /^exec plugin ".*" of user "dev" returned no credential within 300ms \(no terminal is attached, so it cannot prompt\)$/, /MESHPORT_EXEC_TIMEOUT/)
    assert.ok(Date.now() - started < 3000)
    await failsWith(plugin(script('always', `log('ran')`), {interactiveMode: 'Always'}), ClusterError, /needs a terminal \(interactiveMode: Always\), and standard input is not one/)
    assert.deepEqual(runsOf('always'), [])
  })

  test('errors name the plugin, its exit code and its last stderr line, or the installHint', async () => {
    await failsWith(
      plugin('', {args: [], command: 'meshport-no-such-plugin', installHint: 'Install it with\n  brew install \u001b[1mno-such\u001b[0m'}),
      ClusterError,
      /^exec plugin "meshport-no-such-plugin" of user "dev" was not found on PATH$/,
      /^Install it with\n {2}brew install U\+001B\[1mno-such/,
    )
    await failsWith(plugin('', {args: [], command: join(dir, 'missing', 'plugin')}), ClusterError, /plugin" of user "dev" does not exist$/, /client-go-credential-plugins/)
    await failsWith(plugin(script('silent', 'process.exit(3)')), ClusterError, /failed with exit code 3 and printed nothing on stderr$/)
    await failsWith(plugin(script('loud', `console.error('error: token expired\\n'); console.error('run: login --tenant shop'); process.exit(1)`)), ClusterError, /failed with exit code 1: run: login --tenant shop$/, /run the plugin yourself/)
  })

  test('bad output is refused without quoting it (it holds the credential)', async () => {
    const cases: Array<[string, RegExp]> = [
      [`process.stdout.write('token: sup3r-s3cret-t0ken')`, /did not print JSON on stdout$/],
      [`credential({token: 'sup3r-s3cret-t0ken'}, 'client.authentication.k8s.io/v1beta1')`, /returned apiVersion "client.authentication.k8s.io\/v1beta1", not client.authentication.k8s.io\/v1/],
      [`credential({})`, /returned neither a token nor a client certificate and key/],
      [`credential({clientCertificateData: 'CERT'})`, /without its key/],
      [`credential({token: 'sup3r-s3cret-t0ken', expirationTimestamp: 'soon'})`, /expirationTimestamp that is not an RFC 3339 time/],
    ]
    for (const [i, [body, message]] of cases.entries()) {
      await assert.rejects(plugin(script(`bad${i}`, body)).get(), (err: unknown) => err instanceof ClusterError && message.test(err.message) && !`${err.message}${err.hint ?? ''}`.includes('sup3r'))
    }
  })
})
