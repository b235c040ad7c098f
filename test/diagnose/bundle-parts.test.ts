import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'
import {gunzipSync} from 'node:zlib'

import {kubeconfigSecrets} from '../../src/diagnose/kubeconfig-secrets.js'
import {REDACTED, redactedJson, redactText} from '../../src/diagnose/redact.js'
import {tar, tarGz} from '../../src/diagnose/tar.js'

test('tar: ustar headers with checksums, long paths in the prefix, system tar reads it back', () => {
  const long = `${'d'.repeat(120)}/file.json`
  const archive = tarGz([
    {path: 'root/a.txt', content: 'hello\n'},
    {path: long, content: Buffer.alloc(1000, 0x61)},
  ])
  const raw = gunzipSync(archive)
  assert.equal(raw.length % 512, 0)
  assert.equal(raw.subarray(257, 262).toString(), 'ustar')
  assert.deepEqual(tar([]), Buffer.alloc(1024))
  const dir = mkdtempSync(join(tmpdir(), 'meshport-tar-'))
  try {
    writeFileSync(join(dir, 'x.tar.gz'), archive)
    const list = execFileSync('tar', ['tzf', join(dir, 'x.tar.gz')], {encoding: 'utf8'})
    assert.deepEqual(list.trim().split('\n'), ['root/a.txt', long])
    execFileSync('tar', ['xzf', join(dir, 'x.tar.gz'), '-C', dir])
    assert.equal(readFileSync(join(dir, 'root/a.txt'), 'utf8'), 'hello\n')
    assert.equal(readFileSync(join(dir, long)).length, 1000)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('redact: secret-named keys and env vars, private keys, JWTs, bearer tokens and exact values', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl'
  const obj = {
    metadata: {name: 'web', managedFields: [{manager: 'x'}], annotations: {'linkerd.io/trust-root-sha256': 'abcdef0123456789'}},
    spec: {
      automountServiceAccountToken: false,
      containers: [{env: [{name: 'DB_PASSWORD', value: 'hunter2'}, {name: 'LOG_LEVEL', value: 'info'}, {name: 'API_TOKEN', valueFrom: {secretKeyRef: {name: 's', key: 'k'}}}]}],
    },
    token: 'abc',
    note: `Authorization: Bearer sometokenvalue123 and ${jwt} and -----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----`,
    other: 'contains the-cluster-token-value here',
  }
  const text = redactedJson(obj, ['the-cluster-token-value'])
  for (const secret of ['hunter2', 'sometokenvalue123', jwt, 'MHc', 'the-cluster-token-value', '"abc"']) assert.ok(!text.includes(secret), secret)
  assert.ok(!text.includes('managedFields'))
  const back = JSON.parse(text) as {spec: {automountServiceAccountToken: boolean; containers: Array<{env: Array<{value?: string; valueFrom?: unknown}>}>}; metadata: {annotations: Record<string, string>}}
  assert.equal(back.spec.automountServiceAccountToken, false)
  assert.equal(back.spec.containers[0]?.env[0]?.value, REDACTED)
  assert.equal(back.spec.containers[0]?.env[1]?.value, 'info')
  assert.deepEqual(back.spec.containers[0]?.env[2]?.valueFrom, {secretKeyRef: {name: 's', key: 'k'}})
  assert.equal(back.metadata.annotations['linkerd.io/trust-root-sha256'], 'abcdef0123456789')
  assert.equal(redactText('nothing secret'), 'nothing secret')
  const applied = redactedJson({metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({spec: {containers: [{env: [{name: 'DB_PASSWORD', value: 'hunter2'}]}]}})}}})
  assert.ok(!applied.includes('hunter2'))
  assert.ok(applied.includes('DB_PASSWORD'))
})

test('kubeconfig secrets: tokens, passwords and client keys of every user', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-kc-'))
  try {
    const path = join(dir, 'config')
    writeFileSync(path, 'users:\n- name: a\n  user: {token: tok-123456}\n- name: b\n  user: {client-key-data: S0VZS0VZ, client-certificate-data: Q0VSVA==}\n')
    assert.deepEqual(kubeconfigSecrets([path, join(dir, 'missing')]), ['tok-123456', 'S0VZS0VZ'])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
