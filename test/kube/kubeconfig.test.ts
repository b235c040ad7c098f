import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
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
})
