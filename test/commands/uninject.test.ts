// End to end: `meshport uninject` through bin/run.js (rebuild with `node scripts/build.mjs` first).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

describe('meshport uninject (end to end)', () => {
  const dir = linkerd2Testdata('inject')

  test('removes a manually injected native sidecar and reports it', async () => {
    const result = await runCli(['uninject', `${dir}/inject_emojivoto_deployment.golden.yml`])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, readFileSync(`${dir}/inject_emojivoto_deployment_uninject.report`, 'utf8'))
    assert.doesNotMatch(result.stdout, /linkerd-proxy|linkerd-init|linkerd\.io\//)
  })

  test('--diff shows only removed lines; exit 1', async () => {
    const result = await runCli(['uninject', '--diff', '-'], {stdin: 'kind: Pod\nmetadata:\n  name: p\n  annotations:\n    linkerd.io/inject: enabled\n    keep: me\nspec: {}\n'})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '--- a/stdin\n+++ b/stdin\n@@ -2,6 +2,5 @@\n metadata:\n   name: p\n   annotations:\n-    linkerd.io/inject: enabled\n     keep: me\n spec: {}\n')
  })

  test('-o json, and nothing to remove is skipped with the input unchanged', async () => {
    const input = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n'
    const same = await runCli(['uninject', '-'], {stdin: input})
    assert.equal(same.stdout, input)
    assert.equal(same.stderr, '\nconfigmap "c" skipped\n\n')
    const json = await runCli(['uninject', '-o', 'json', '-'], {stdin: input})
    assert.deepEqual(JSON.parse(json.stdout), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}})
  })
})
