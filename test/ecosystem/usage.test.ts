// Asking for help and getting flags wrong, as a new user does in the first hour: `-h` works
// everywhere `--help` does, and a wrong flag prints the error, a guess and one line pointing at
// --help (exit 2), never the whole help scrolling the error off the screen.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {closestFlags} from '../../src/completion/suggest.js'
import {runCli} from '../helpers/run-cli.js'

describe('-h and usage errors', () => {
  test('-h is --help, at the root, on topics and on every command', async () => {
    for (const words of [[], ['inject'], ['check'], ['viz'], ['viz', 'stat'], ['diagnose', 'pod'], ['completion']]) {
      const [short, long] = await Promise.all([runCli([...words, '-h']), runCli([...words, '--help'])])
      assert.equal(short.code, 0, `${words.join(' ')} -h: ${short.stderr}`)
      assert.equal(short.stdout, long.stdout, words.join(' '))
      assert.match(short.stdout, /USAGE/)
    }
  })

  test('a mistyped flag: the error, "Did you mean", one line pointing at --help, exit 2', async () => {
    const r = await runCli(['check', '--prox'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, 'Error: unknown flag: --prox\nDid you mean --proxy?\nHint: run `meshport check --help` for the usage\n')
    const inject = await runCli(['inject', '--proxy-image-pull-policy', 'Always', 'examples/emojivoto.yml'])
    assert.equal(inject.code, 2)
    assert.equal(inject.stdout, '')
    assert.match(inject.stderr, /^Error: unknown flag: --proxy-image-pull-policy\nDid you mean --image-pull-policy\?\nHint: run `meshport inject --help` for the usage\n$/)
  })

  test('every kind of parse error is one message in one style, never the help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['check', '--pre', '--proxy'], /^Error: --pre and --proxy cannot be used together$/],
      [['check', '-o', 'xml'], /^Error: Expected --output=xml to be one of: table, short, json, junit, markdown$/],
      [['viz', 'stat', 'deploy', '--concurrency', '0'], /^Error: --concurrency: Expected an integer greater than or equal to 1 but received: 0$/],
      [['diagnose', 'pod'], /^Error: missing argument POD$/],
      [['viz', 'stat', 'deploy', '--frobnicate'], /^Error: unknown flag: --frobnicate$/],
    ]
    for (const [args, first] of cases) {
      const r = await runCli(args)
      assert.equal(r.code, 2, args.join(' '))
      const lines = r.stderr.trimEnd().split('\n')
      assert.match(lines[0] ?? '', first, r.stderr)
      assert.match(lines.at(-1) ?? '', /^Hint: run `meshport [a-z ]+ --help` for the usage$/)
      assert.ok(lines.length <= 3, r.stderr)
      assert.doesNotMatch(r.stderr, /›|USAGE|FLAGS|See more help/)
    }
  })

  test('flag guesses: a held name first, then the nearest by edit distance', () => {
    const known = ['--image-pull-policy', '--debug-image-pull-policy', '--proxy', '--pre', '-n']
    assert.deepEqual(closestFlags('--proxy-image-pull-policy', known), ['--image-pull-policy'])
    assert.deepEqual(closestFlags('--prxy', known), ['--proxy'])
    assert.deepEqual(closestFlags('--zzzzzzzz', known), [])
    assert.deepEqual(closestFlags('-x', known), [])
  })
})
