import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {loadKubeConfig} from '../../src/kube/kubeconfig.js'
import {KubeErrorCode} from '../../src/kube/types.js'

const config = (context: string, server: string, extra = ''): string => `apiVersion: v1
kind: Config
clusters:
- name: ${context}
  cluster: {server: "${server}"}
users:
- name: ${context}
  user: {token: t}
contexts:
- name: ${context}
  context: {cluster: ${context}, user: ${context}}
current-context: ${context}
${extra}`

describe('loadKubeConfig', () => {
  let dir: string
  let a: string
  let b: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-kubeconfig-'))
    a = join(dir, 'a')
    b = join(dir, 'b')
    writeFileSync(a, config('alpha', 'https://alpha.example:6443'))
    writeFileSync(b, config('beta', 'https://beta.example:6443'))
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({HOME: dir, ...extra})
  const rejectsWith = (fn: () => unknown, code: string, message: RegExp): void => {
    assert.throws(fn, (err: unknown) => err instanceof ClusterError && err.exitCode === 3 && err.code === code && message.test(err.message) && typeof err.hint === 'string')
  }

  test('--kubeconfig with its current context', () => {
    const loaded = loadKubeConfig({context: undefined, kubeconfig: a}, env())
    assert.equal(loaded.contextName, 'alpha')
    assert.equal(loaded.cluster.server, 'https://alpha.example:6443')
  })

  test('$KUBECONFIG merges files; the first current-context wins; --context picks another', () => {
    const merged = {KUBECONFIG: [join(dir, 'missing'), a, b].join(delimiter)}
    assert.equal(loadKubeConfig({context: undefined, kubeconfig: undefined}, env(merged)).contextName, 'alpha')
    const beta = loadKubeConfig({context: 'beta', kubeconfig: undefined}, env(merged))
    assert.equal(beta.cluster.server, 'https://beta.example:6443')
  })

  test('unknown context: exit 3 with the known contexts in the hint', () => {
    assert.throws(
      () => loadKubeConfig({context: 'gamma', kubeconfig: a}, env()),
      (err: unknown) => err instanceof ClusterError && err.code === KubeErrorCode.unknownContext && /context "gamma" not found/.test(err.message) && /alpha/.test(err.hint ?? ''),
    )
  })

  test('missing files and no kubeconfig at all never fall back to localhost:8080', () => {
    rejectsWith(() => loadKubeConfig({context: undefined, kubeconfig: join(dir, 'nope')}, env()), KubeErrorCode.noKubeconfig, /not found/)
    rejectsWith(() => loadKubeConfig({context: undefined, kubeconfig: undefined}, env({KUBECONFIG: join(dir, 'nope')})), KubeErrorCode.noKubeconfig, /\$KUBECONFIG/)
    rejectsWith(() => loadKubeConfig({context: undefined, kubeconfig: undefined}, env()), KubeErrorCode.noKubeconfig, /no kubeconfig found/)
  })

  test('invalid YAML and a config without current context', () => {
    const broken = join(dir, 'broken')
    writeFileSync(broken, 'clusters: [unclosed')
    rejectsWith(() => loadKubeConfig({context: undefined, kubeconfig: broken}, env()), KubeErrorCode.badKubeconfig, /cannot read kubeconfig/)
    const noCurrent = join(dir, 'no-current')
    writeFileSync(noCurrent, config('alpha', 'https://alpha.example:6443').replace('current-context: alpha', ''))
    rejectsWith(() => loadKubeConfig({context: undefined, kubeconfig: noCurrent}, env()), KubeErrorCode.unknownContext, /no current context/)
  })

  const write = (name: string, text: string): string => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  const load = (kubeconfig: string, context?: string, extra: NodeJS.ProcessEnv = {}, serviceAccountDir = join(dir, 'no-service-account')): ReturnType<typeof loadKubeConfig> =>
    loadKubeConfig({context, kubeconfig}, env(extra), serviceAccountDir)

  test('a YAML error names line and column, never the text (it may hold a token)', () => {
    const path = write('yaml-error', 'users:\n- name: u\n  user:\n    token: abc: s3cr3t-t0ken-value\n')
    assert.throws(() => load(path), (err: unknown) => err instanceof ClusterError && /at line 4, column \d+/.test(err.message) && !err.message.includes('s3cr3t'))
  })

  test('only the chosen context, its cluster and its user must be valid; empty files are empty configs', () => {
    const messy = write(
      'messy',
      config('alpha', 'https://alpha.example:6443').replace('clusters:\n', 'clusters:\n- name: no-server\n  cluster: {}\n- name: bad-ca\n  cluster: {server: "https://x", certificate-authority: /nonexistent/ca.crt}\n- cluster: {server: "https://nameless.example"}\n'),
    )
    // kubectl writes contexts without a cluster and users without credentials; unused, they are harmless.
    const more = write('more', 'contexts:\n- name: dangling\n  context: {user: nobody}\n- name: beta\n  context: {cluster: no-server, user: alpha}\nusers:\n- name: empty\n')
    const empty = write('empty', '')
    const loaded = loadKubeConfig({context: undefined, kubeconfig: undefined}, env({KUBECONFIG: [empty, messy, more].join(delimiter)}))
    assert.deepEqual([loaded.contextName, loaded.cluster.server, loaded.user?.token], ['alpha', 'https://alpha.example:6443', 't'])
    // The broken entries fail only when chosen, with a message naming them.
    const both = {KUBECONFIG: [messy, more].join(delimiter)}
    rejectsWith(() => loadKubeConfig({context: 'dangling', kubeconfig: undefined}, env(both)), KubeErrorCode.badKubeconfig, /^context "dangling" names no cluster$/)
    rejectsWith(() => loadKubeConfig({context: 'beta', kubeconfig: undefined}, env(both)), KubeErrorCode.badKubeconfig, /^cluster "no-server" has no server$/)
  })

  test('namespace: the context\'s, else in a pod $POD_NAMESPACE or the service account file, else default', () => {
    const sa = join(dir, 'serviceaccount')
    mkdirSync(sa, {recursive: true})
    writeFileSync(join(sa, 'token'), 'pod-token\n')
    writeFileSync(join(sa, 'namespace'), 'payments\n')
    const pod = {KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443'}
    const withNs = write('with-ns', config('alpha', 'https://alpha.example:6443').replace('user: alpha}', 'user: alpha, namespace: shop}'))
    assert.equal(load(withNs).namespace, 'shop')
    assert.equal(load(withNs, undefined, pod, sa).namespace, 'shop')
    assert.equal(load(a).namespace, 'default')
    assert.equal(load(a, undefined, pod, sa).namespace, 'payments')
    assert.equal(load(a, undefined, {...pod, POD_NAMESPACE: 'billing'}, sa).namespace, 'billing')
    // Not in a pod (no service host, or no token file): the namespace file means nothing.
    assert.equal(load(a, undefined, {}, sa).namespace, 'default')
    // No kubeconfig at all in a pod: the in-cluster configuration, its token file and CA.
    const inCluster = loadKubeConfig({context: undefined, kubeconfig: undefined}, env({...pod}), sa)
    assert.deepEqual(
      [inCluster.contextName, inCluster.cluster.server, inCluster.namespace, inCluster.user?.tokenFile],
      ['in-cluster', 'https://10.96.0.1:443', 'payments', join(sa, 'token')],
    )
    assert.equal(loadKubeConfig({context: undefined, kubeconfig: undefined}, env({KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443'}), sa).cluster.server, 'https://[fd00::1]:443')
  })

  test('relative paths resolve against the file that defines the entry; an exec command only with a slash', () => {
    const sub = join(dir, 'sub')
    mkdirSync(sub, {recursive: true})
    writeFileSync(join(sub, 'ca.crt'), 'CA PEM')
    writeFileSync(join(sub, 'token'), 't0ken-from-file\n')
    const path = join(sub, 'paths')
    writeFileSync(
      path,
      `clusters:
- name: c
  cluster: {server: "https://c.example/k8s/clusters/c-1/?x=1", certificate-authority: ca.crt}
users:
- name: file
  user: {tokenFile: token}
- name: relative
  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/auth, interactiveMode: Never}}
- name: on-path
  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}
contexts:
- name: file
  context: {cluster: c, user: file}
- name: relative
  context: {cluster: c, user: relative}
- name: on-path
  context: {cluster: c, user: on-path}
current-context: file
`,
    )
    const file = load(path)
    assert.equal(file.cluster.ca?.toString(), 'CA PEM')
    // Query and fragment go, the path prefix (Rancher, kubectl proxy --api-prefix) stays.
    assert.equal(file.cluster.server, 'https://c.example/k8s/clusters/c-1')
    assert.equal(file.user?.tokenFile, join(sub, 'token'))
    assert.equal(load(path, 'relative').user?.exec?.command, join(sub, 'bin', 'auth'))
    const onPath = load(path, 'on-path').user?.exec
    assert.deepEqual([onPath?.command, onPath?.args, onPath?.interactiveMode], ['aws', ['eks', 'get-token'], 'IfAvailable'])
  })

  test('the chosen entries are checked as kubectl checks them', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}', KubeErrorCode.badKubeconfig, /exec has no interactiveMode/],
      ['user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x, interactiveMode: Never}}', KubeErrorCode.badKubeconfig, /apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/],
      ['user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Sometimes}}', KubeErrorCode.badKubeconfig, /interactiveMode "Sometimes"/],
      ['user: {token: t, username: u, password: p}', KubeErrorCode.badKubeconfig, /more than one authentication method/],
      ['user: {client-certificate-data: Zm9v}', KubeErrorCode.badKubeconfig, /client certificate but no client key/],
      ['user: {auth-provider: {name: gcp}}', KubeErrorCode.badKubeconfig, /gcp auth-provider was removed/],
      ['user: {token: [a]}', KubeErrorCode.badKubeconfig, /"token" must be a string/],
    ]
    for (const [user, code, message] of cases) {
      const path = write('checked', config('alpha', 'https://alpha.example:6443').replace('user: {token: t}', user))
      rejectsWith(() => load(path), code, message)
    }
    const noCa = write('no-ca', config('alpha', 'https://alpha.example:6443').replace('server: "https://alpha.example:6443"', 'server: "https://alpha.example:6443", certificate-authority: missing.crt'))
    rejectsWith(() => load(noCa), KubeErrorCode.badKubeconfig, /cannot read certificate-authority .*missing\.crt \(ENOENT\)/)
    const badProxy = write('bad-proxy', config('alpha', 'https://alpha.example:6443').replace('server: "https://alpha.example:6443"', 'server: "https://alpha.example:6443", proxy-url: "ftp://proxy:21"'))
    rejectsWith(() => load(badProxy), KubeErrorCode.badKubeconfig, /proxy-url scheme "ftp" is not supported/)
  })

  test('a context without a user has no credentials; a user it names must exist', () => {
    const anonymous = write('anonymous', config('alpha', 'http://127.0.0.1:8001').replace(', user: alpha}', '}'))
    assert.equal(load(anonymous).user, undefined)
    const ghost = write('ghost', config('alpha', 'https://alpha.example:6443').replace(', user: alpha}', ', user: ghost}'))
    rejectsWith(() => load(ghost), KubeErrorCode.badKubeconfig, /refers to user "ghost", which is not in kubeconfig/)
  })
})
