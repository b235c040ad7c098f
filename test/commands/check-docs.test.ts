// docs/check.md's table of every `linkerd check` check stays true to `meshport check
// --list-checks`: every id it names exists and is selected by the Linkerd category of its row,
// every check of every mode is in it or in the table of meshport's own checks, a description
// that differs from Linkerd's carries a note, and every check has its row under "## Checks".
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'

interface Listed {
  categories: Array<{id: string; aliases: string[]; checks: Array<{id: string; description: string; aliases: string[]}>}>
}
interface Known {
  description: string
  /** Ids that select the check besides its own: its category's and the aliases. */
  selectors: Set<string>
}

const doc = readFileSync(new URL('../../docs/check.md', import.meta.url), 'utf8')
const section = (heading: string) => {
  const start = doc.indexOf(heading)
  assert.ok(start >= 0, heading)
  const end = doc.indexOf('\n## ', start + heading.length)
  return doc.slice(start, end < 0 ? undefined : end)
}
const rows = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .map((line) => line.slice(2, -2).split(' | '))

describe('docs/check.md and check --list-checks', () => {
  const known = new Map<string, Known>()
  before(async () => {
    for (const mode of [['--pre'], ['--crds'], [], ['--proxy']]) {
      const r = await runCli(['check', '--list-checks', '-o', 'json', ...mode])
      assert.equal(r.code, 0, r.stderr)
      for (const category of (JSON.parse(r.stdout) as Listed).categories) {
        for (const check of category.checks) known.set(check.id, {description: check.description, selectors: new Set([category.id, ...category.aliases, ...check.aliases])})
      }
    }
  })

  const linkerdSection = section('## `linkerd check` at edge-26.8.3, check by check')
  const [linkerdTable = '', ownTable = ''] = linkerdSection.split("meshport's own checks")
  const linkerdRows = rows(linkerdTable).filter((r) => r[0] !== 'Linkerd category')
  const ownIds = rows(ownTable).map((r) => /^`(.+)`$/.exec(r[0] ?? '')?.[1]).filter((id): id is string => id !== undefined)

  test("every id of Linkerd's table exists, under the Linkerd category of its row", () => {
    assert.ok(linkerdRows.length >= 100, `${linkerdRows.length} rows`)
    for (const [category = '', description = '', cell = '', note = ''] of linkerdRows) {
      const id = /^`(.+)`$/.exec(cell)?.[1]
      if (!id) {
        assert.match(note, /^not implemented: /, `${category} / ${description}: no id needs a reason`)
        continue
      }
      const check = known.get(id)
      assert.ok(check, `${id} is not a check of any mode`)
      assert.ok(check.selectors.has(category), `--only ${category} does not select ${id}`)
      if (check.description !== description) assert.notEqual(note, '', `${id}: "${check.description}" differs from Linkerd's "${description}" without a note`)
    }
  })

  test("every check is in Linkerd's table or in meshport's own, once", () => {
    const documented = [...linkerdRows.map((r) => /^`(.+)`$/.exec(r[2] ?? '')?.[1]).filter((id): id is string => id !== undefined), ...ownIds]
    assert.equal(new Set(documented).size, documented.length, 'an id is documented twice')
    assert.deepEqual([...known.keys()].filter((id) => !documented.includes(id)), [], 'checks missing from the tables')
    assert.deepEqual(documented.filter((id) => !known.has(id)), [], 'ids of no check')
  })

  test('every check has its row under "## Checks"', () => {
    const details = section('## Checks\n')
    const missing = [...known.keys()].filter((id) => !details.includes(`| \`${id}\` |`))
    assert.deepEqual(missing, [])
  })
})
