import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {PROXY_FLAGS} from '../../src/mesh/inject-flags.js'

test('docs/inject.md documents every proxy flag with its annotation and baseline', () => {
  const doc = readFileSync('docs/inject.md', 'utf8')
  for (const flag of PROXY_FLAGS) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`--${flag.flag}\``))
    assert.ok(row, `--${flag.flag} is not in docs/inject.md`)
    assert.ok(row.includes(`\`${flag.annotation}\``), `--${flag.flag}: annotation`)
    if (flag.baseline !== '') assert.ok(row.includes(`\`${flag.baseline}\``), `--${flag.flag}: baseline`)
  }
  for (const flag of ['--ingress', '--registry', '--pod-template-path', '--diff', '--check', '--in-place', '-o yaml\\|json']) assert.ok(doc.includes(flag), flag)
})
