// Every command explains itself: a summary, a description and at least two examples, and
// `--help` shows them; docs/commands.md is generated from the same text and must not be stale.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'
import {repoRoot} from '../helpers/testdata.js'

interface ManifestCommand {
  hidden?: boolean
  summary?: string
  description?: string
  examples?: unknown[]
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const visible = Object.entries(manifest.commands).filter(([, c]) => c.hidden !== true)

describe('help', () => {
  test('the manifest lists the commands', () => {
    for (const id of ['inject', 'uninject', 'check', 'viz:stat', 'completion']) assert.ok(manifest.commands[id], id)
  })

  for (const [id, command] of visible) {
    test(`${id.replaceAll(':', ' ')}: summary, description and at least two examples`, () => {
      // oclif's convention: without a `summary`, the description's first line is the summary and
      // the rest is the description (that is how --help shows it).
      const [firstLine = '', ...rest] = (command.description ?? '').trim().split('\n')
      const summary = command.summary?.trim() || firstLine.trim()
      const description = command.summary?.trim() ? (command.description ?? '').trim() : rest.join('\n').trim()
      const missing: string[] = []
      if (!summary) missing.push('summary')
      if (!description) missing.push('description')
      if ((command.examples ?? []).length < 2) missing.push(`examples (${(command.examples ?? []).length} of 2)`)
      assert.deepEqual(missing, [], `src/commands/${id.replaceAll(':', '/')}.ts lacks ${missing.join(', ')}`)
    })
  }

  test('--help of every command prints its usage and examples', async () => {
    const results = await Promise.all(visible.map(async ([id]) => ({id, r: await runCli([...id.split(':'), '--help'])})))
    for (const {id, r} of results) {
      assert.equal(r.code, 0, `${id}: ${r.stderr}`)
      assert.match(r.stdout, /USAGE\n/, id)
      assert.match(r.stdout, /EXAMPLES\n/, id)
    }
  })

  test('docs/commands.md is generated from the commands and up to date (npm run docs)', () => {
    const r = spawnSync(process.execPath, ['scripts/readme-commands.mjs', '--check'], {cwd: repoRoot, encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
  })
})
