// "Did you mean" for mistyped commands: the suggestion is printed (also without a terminal, so CI
// logs show it) and the exit code is 2, a usage error.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {closestIds, editDistance} from '../../src/completion/suggest.js'
import {binPath, runCli} from '../helpers/run-cli.js'

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

  test('Linkerd\'s words get meshport\'s, with the rest of the line', async () => {
    const stat = await runCli(['stat', 'deploy', '-n', 'emojivoto'])
    assert.equal(stat.code, 2)
    assert.equal(stat.stdout, '')
    assert.equal(stat.stderr, 'Error: "stat" is not a meshport command.\nDid you mean "meshport viz stat deploy -n emojivoto"?\nHint: run `meshport --help` for the list of commands\n')
    const diagnostics = await runCli(['diagnostics', 'proxy-metrics', 'po/web-1', '-n', 'shop'])
    assert.equal(diagnostics.code, 2)
    assert.match(diagnostics.stderr, /^Did you mean "meshport diagnose proxy-metrics po\/web-1 -n shop"\?$/m)
    for (const words of [['dg'], ['diagnostics'], ['diagnostics', 'controller-metrics']]) {
      const r = await runCli(words)
      assert.equal(r.code, 2, words.join(' '))
      assert.match(r.stderr, /^Did you mean "meshport diagnose"\?$/m, words.join(' '))
    }
  })

  test('run as kubectl meshport, help and hints say kubectl meshport', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshport-plugin-'))
    try {
      const plugin = join(dir, 'kubectl-meshport')
      symlinkSync(binPath, plugin)
      const run = (args: string[]) => new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => {
        const child = spawn(process.execPath, [plugin, ...args], {env: {...process.env, NO_COLOR: '1'}})
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
        child.on('close', (code) => resolve({code, stdout, stderr}))
      })
      const help = await run(['check', '--help'])
      assert.equal(help.code, 0, help.stderr)
      assert.match(help.stdout, /^ {2}\$ kubectl meshport check /m)
      assert.doesNotMatch(help.stdout, /\$ meshport/)
      const typo = await run(['check', '--prox'])
      assert.match(typo.stderr, /^Hint: run `kubectl meshport check --help` for the usage$/m)
      // The completion script still registers the executables by their file names.
      const completion = await run(['completion', 'bash'])
      assert.match(completion.stdout, /^complete -F _meshport_completion meshport kubectl-meshport$/m)
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })
})
