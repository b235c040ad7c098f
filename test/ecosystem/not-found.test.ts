// "Did you mean" for mistyped commands: the suggestion is printed (also without a terminal, so CI
// logs show it) and the exit code is 2, a usage error.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {closestIds, editDistance} from '../../src/completion/suggest.js'
import {runCli} from '../helpers/run-cli.js'

describe('closest command ids', () => {
  const ids = ['inject', 'uninject', 'check', 'viz:stat', 'diagnose:pod', 'diagnose:ports', 'diagnose:proxy-metrics']

  test('edit distance', () => {
    assert.equal(editDistance('inject', 'inject'), 0)
    assert.equal(editDistance('injct', 'inject'), 1)
    assert.equal(editDistance('chekc', 'check'), 2)
    assert.equal(editDistance('', 'abc'), 3)
  })

  test('typos and prefixes find their command; unrelated words find nothing', () => {
    assert.deepEqual(closestIds('injct', ids), ['inject'])
    assert.deepEqual(closestIds('chekc', ids), ['check'])
    assert.deepEqual(closestIds('viz:sta', ids), ['viz:stat'])
    assert.deepEqual(closestIds('diagnose:po', ids), ['diagnose:pod', 'diagnose:ports'])
    assert.deepEqual(closestIds('kubernetes', ids), [])
  })
})

describe('mistyped commands through the CLI', () => {
  test('a typo gets "Did you mean" and exit 2', async () => {
    const r = await runCli(['injct', 'app.yml'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, 'Error: "injct" is not a meshport command.\nDid you mean "meshport inject"?\nHint: run `meshport --help` for the list of commands\n')
  })

  test('a mistyped subcommand of a topic is matched with its topic', async () => {
    const r = await runCli(['viz', 'stats', 'deploy'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Did you mean "meshport viz stat"\?/)
  })

  test('a word nothing resembles gets no guess, only the hint', async () => {
    const r = await runCli(['frobnicate'])
    assert.equal(r.code, 2)
    assert.doesNotMatch(r.stderr, /Did you mean/)
    assert.match(r.stderr, /Hint: run `meshport --help`/)
  })

  test('`help [COMMAND]` works as kubectl and linkerd users type it', async () => {
    const root = await runCli(['help'])
    assert.equal(root.code, 0, root.stderr)
    assert.match(root.stdout, /USAGE\n {2}\$ meshport/)
    const stat = await runCli(['help', 'viz', 'stat'])
    assert.equal(stat.code, 0, stat.stderr)
    assert.match(stat.stdout, /\$ meshport viz stat/)
    const typo = await runCli(['help', 'injct'])
    assert.equal(typo.code, 2)
    assert.match(typo.stderr, /Did you mean "meshport inject"\?/)
  })
})
