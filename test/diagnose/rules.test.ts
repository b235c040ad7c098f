import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {ALL_RULES, parseRuleSelection, selectProblems} from '../../src/diagnose/rules.js'

test('rule ids are unique and namespaced', () => {
  const ids = ALL_RULES.map((r) => r.id)
  assert.equal(new Set(ids).size, ids.length)
  for (const id of ids) assert.match(id, /^(ports|mesh|proxy|pod|init|identity)\.[a-z0-9-]+$/)
})

test('docs/diagnose.md documents every rule id with its severity', () => {
  const doc = readFileSync(new URL('../../docs/diagnose.md', import.meta.url), 'utf8')
  for (const rule of ALL_RULES) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${rule.id}\` |`))
    assert.ok(row, `${rule.id} is not documented`)
    assert.ok(row.includes(`| ${rule.severity} |`), `${rule.id} should be documented as ${rule.severity}: ${row}`)
  }
})

test('--only/--skip take ids and groups; unknown ones are reported', () => {
  const problems = [{rule: 'ports.opaque-http'}, {rule: 'ports.server-speaks-first'}, {rule: 'mesh.not-annotated'}]
  assert.deepEqual(selectProblems(problems, ['ports'], []).map((p) => p.rule), ['ports.opaque-http', 'ports.server-speaks-first'])
  assert.deepEqual(selectProblems(problems, [], ['ports.opaque-http', 'mesh']).map((p) => p.rule), ['ports.server-speaks-first'])
  assert.deepEqual(parseRuleSelection(['ports,mesh.not-annotated'], undefined), {only: ['ports', 'mesh.not-annotated'], skip: []})
  assert.deepEqual(parseRuleSelection(undefined, ['port', 'mesh.nope']), {error: 'unknown rule ids "port", "mesh.nope"'})
})
