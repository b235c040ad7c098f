// The fast path's argv parser against oclif's own (Parser.parse, as Command.parse calls it) on
// inject's and uninject's real flag definitions: whatever it accepts, oclif parses to the same
// flags and arguments; the forms people type are accepted (else the fast path would never run).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {Parser, type Command} from '@oclif/core'

import Inject from '../../src/commands/inject.js'
import Uninject from '../../src/commands/uninject.js'
import {parseArgv} from '../../src/fast/argv.js'
import {commandSpec} from '../../src/fast/derive.js'
import type {CommandSpec} from '../../src/fast/spec.js'

const HELP = ['--help']

function specOf(id: string, command: Command.Class): CommandSpec {
  const derived = commandSpec(id, command)
  assert.ok('spec' in derived, `${id}: ${'obstacle' in derived ? derived.obstacle : ''}`)
  return derived.spec
}

async function oclifParse(command: Command.Class, argv: string[]): Promise<{flags: unknown; argv: unknown} | Error> {
  try {
    const out = await Parser.parse(argv, {flags: {...command.baseFlags, ...command.flags}, args: command.args, strict: command.strict, context: {} as never})
    return {flags: out.flags, argv: out.argv}
  } catch (error) {
    return error as Error
  }
}

/** Asserts that an accepted argv parses as oclif parses it; returns whether it was accepted. */
async function agrees(command: Command.Class, spec: CommandSpec, argv: string[]): Promise<boolean> {
  const ours = parseArgv(spec, argv, HELP)
  if (ours === undefined) return false
  const theirs = await oclifParse(command, argv)
  assert.ok(!(theirs instanceof Error), `accepted ${JSON.stringify(argv)} but oclif says: ${theirs instanceof Error ? theirs.message : ''}`)
  assert.deepEqual(ours, theirs, JSON.stringify(argv))
  return true
}

// What people type (docs, README, hooks, post-renderers): all must take the fast path.
const TYPED_BOTH: string[][] = [
  ['app.yml'],
  ['a.yml', 'b.yml', '-', 'https://example.com/x.yml'],
  ['-o', 'json', 'app.yml'],
  ['-ojson', 'app.yml'],
  ['-o=json', 'app.yml'],
  ['--output=yaml', 'app.yml'],
  ['--diff', 'app.yml'],
  ['--check', 'k8s/'],
  ['--in-place', 'k8s/deploy.yml'],
  ['app.yml', '--pod-template-path', 'Foo=.spec.template'],
  ['app.yml', '--pod-template-path', 'Foo=.spec.a', 'Bar=.spec.b'],
  ['--verbose', 'app.yml'],
  ['--color', 'never', 'app.yml'],
]
const TYPED_INJECT: string[][] = [
  ['--manual', '--values', 'v.yml', 'app.yml'],
  ['app.yml', '--values', 'v1.yml', '--values', 'v2.yml', '--manual'],
  ['--values=v.yml', '--manual', 'app.yml'],
  ['--proxy-cpu-request', '100m', '--skip-outbound-ports', '5432', 'k8s/'],
  ['--no-native-sidecar', '-'],
  ['--native-sidecar', '-'],
  ['--proxy-gid', '-1', 'app.yml'],
  ['--ingress', '--registry', 'registry.example.com', 'app.yml'],
  ['--registry', '', 'app.yml'],
  ['--manual', '--set', 'proxy.logLevel=debug', '--set', 'proxy.accessLog=apache', 'app.yml'],
  ['-L', 'linkerd-x', '--manual', 'app.yml'],
  ['-Llinkerd-x', 'app.yml'],
  ['-v', 'stable-2.14', 'app.yml'],
  ['-', '--proxy-uid', '2103', '--admin-port', '9991', '--enable-debug-sidecar'],
  ['--ignore-cluster', 'app.yml'],
  ['--from-cluster', 'app.yml'],
  ['--krm', 'x'],
]

// Odd and wrong forms: declining is always allowed, agreeing with oclif is required.
const ODD: string[][] = [
  [],
  ['--help'],
  ['app.yml', '--help'],
  ['-h', 'app.yml'],
  ['--', 'app.yml'],
  ['app.yml', '--', '--diff'],
  ['--diff', '--check', 'app.yml'],
  ['--diff=true', 'app.yml'],
  ['-o', 'xml', 'app.yml'],
  ['--output'],
  ['app.yml', '--output'],
  ['--output', '--diff', 'app.yml'],
  ['--registry', 'a', '--registry', 'b', 'app.yml'],
  ['--unknown', 'app.yml'],
  ['-x', 'app.yml'],
  ['-1', 'app.yml'],
  ['--no-diff', 'app.yml'],
  ['--no-ingress', 'app.yml'],
  ['--values', '--manual', 'app.yml'],
  ['--manual', '--values'],
  ['--pod-template-path', 'X=.a', 'app.yml'],
  ['--pod-template-path', 'X=.a', '--diff', 'app.yml'],
  ['--pod-template-path', 'X=.a', '--registry', 'r', 'app.yml'],
  ['--color=always', 'app.yml'],
  ['-L=linkerd-x', 'app.yml'],
  ['--proxy-version=--diff', 'app.yml'],
  ['--registry', '-L', 'app.yml'],
  ['--registry', '--nope', 'app.yml'],
  ['--registry=', 'app.yml'],
  ['--registry==x', 'app.yml'],
  ['-', '-'],
  ['', 'app.yml'],
  ['--ingress', '--ingress', 'app.yml'],
  ['--native-sidecar', '--no-native-sidecar', 'app.yml'],
  ['--krm', '--diff'],
]

/** Deterministic random argv from the pieces above (a small LCG: the same cases every run). */
function* randomArgvs(count: number): Generator<string[]> {
  const pool = [...new Set([...TYPED_BOTH, ...TYPED_INJECT, ...ODD].flat()), '--manual', '--set', 'x=1', 'Kind=.spec.t', '--', '-o', 'yaml']
  let seed = 21
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  for (let i = 0; i < count; i++) {
    const length = 1 + next(6)
    yield Array.from({length}, () => pool[next(pool.length)]!)
  }
}

for (const [id, command] of [['inject', Inject], ['uninject', Uninject]] as const) {
  describe(`fast argv parser: ${id}`, () => {
    const spec = specOf(id, command)

    test('accepts the forms people type, exactly as oclif parses them', async () => {
      for (const argv of id === 'inject' ? [...TYPED_BOTH, ...TYPED_INJECT] : TYPED_BOTH) {
        assert.ok(await agrees(command, spec, argv), `declined ${JSON.stringify(argv)}`)
      }
    })

    test('odd and wrong forms: declined, or parsed as oclif parses them', async () => {
      for (const argv of ODD) await agrees(command, spec, argv)
    })

    test('random argv: whatever it accepts, oclif parses the same way', async () => {
      let accepted = 0
      for (const argv of randomArgvs(600)) if (await agrees(command, spec, argv)) accepted++
      // Not everything is declined, or the comparison above would prove nothing.
      assert.ok(accepted > 20, `only ${accepted} accepted`)
    })
  })
}

describe('fast argv parser: specs', () => {
  test('what oclif knows and the manifest does not: greedy values, boolean defaults', () => {
    const spec = specOf('inject', Inject)
    assert.deepEqual(spec.flags.values, {type: 'option', multiple: true, nonGreedy: true})
    assert.deepEqual(spec.flags['pod-template-path'], {type: 'option', multiple: true})
    assert.deepEqual(spec.flags.diff, {type: 'boolean', default: false, exclusive: ['check', 'in-place']})
    assert.equal(spec.flags.ingress?.default, undefined)
    assert.deepEqual(spec.args, ['input'])
    assert.equal(spec.strict, false)
  })

  test('a flag the parser does not model hands the command to oclif', () => {
    const spec = specOf('inject', Inject)
    const withEnv: CommandSpec = {...spec, flags: {...spec.flags, registry: {...spec.flags.registry!, unsupported: true}}}
    assert.equal(parseArgv(withEnv, ['--registry', 'r', 'app.yml'], HELP), undefined)
    assert.ok(parseArgv(withEnv, ['app.yml'], HELP))
  })
})
