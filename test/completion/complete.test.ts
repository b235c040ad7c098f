import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {cobraOutput, complete, type ClusterNames, type CommandSpec} from '../../src/completion/complete.js'
import {commandSpecs} from '../../src/completion/spec.js'
import {checkIds, resourceTypes} from '../../src/completion/providers.js'

const COMMANDS: CommandSpec[] = [
  {words: ['inject'], flags: [{name: 'output', char: 'o', takesValue: true, values: ['yaml', 'json']}, {name: 'native-sidecar', takesValue: false, allowNo: true}, {name: 'pod-template-path', takesValue: true, multiple: true}], fileArgs: true},
  {words: ['check'], flags: [{name: 'only', takesValue: true, multiple: true, list: true, values: async () => ['a', 'a.x', 'b']}, {name: 'proxy', takesValue: false}]},
  {words: ['viz', 'stat'], flags: [{name: 'namespace', char: 'n', takesValue: true}, {name: 'to', takesValue: true, values: ['deploy', 'po']}], args: [['all', 'deploy', 'po'], []]},
  {words: ['diagnose', 'pod'], flags: []},
  {words: ['diagnose', 'ports'], flags: []},
]

const words = async (...typed: string[]): Promise<string[]> => (await complete(COMMANDS, typed)).candidates

describe('complete', () => {
  test('commands and topics at the root, subcommands inside a topic', async () => {
    assert.deepEqual(await words(''), ['check', 'diagnose', 'inject', 'viz'])
    assert.deepEqual(await words('di'), ['diagnose'])
    assert.deepEqual(await words('diagnose', 'po'), ['pod', 'ports'])
    assert.deepEqual(await words('nope', ''), [])
  })

  test('flags, --no- forms, and flags already given are not offered twice', async () => {
    assert.deepEqual(await words('inject', '--n'), ['--native-sidecar', '--no-native-sidecar'])
    assert.deepEqual(await words('inject', '--output', 'json', '--o'), [])
    assert.deepEqual(await words('inject', '--pod-template-path', 'X=.a', '--pod'), ['--pod-template-path'])
  })

  test('flag values after the flag, after a short flag and after =', async () => {
    assert.deepEqual(await words('inject', '-o', ''), ['yaml', 'json'])
    assert.deepEqual(await words('inject', '--output', 'j'), ['json'])
    assert.deepEqual(await words('inject', '--output=y'), ['--output=yaml'])
    assert.deepEqual(await words('viz', 'stat', 'deploy', '--to', ''), ['deploy', 'po'])
  })

  test('comma lists complete after the last comma, without repeating', async () => {
    assert.deepEqual(await words('check', '--only', 'a'), ['a', 'a.x'])
    assert.deepEqual(await words('check', '--only', 'a,'), ['a,a.x', 'a,b'])
    assert.deepEqual(await words('check', '--only=b,a.'), ['--only=b,a.x'])
  })

  test('positional values by position; a flag value is not a positional', async () => {
    assert.deepEqual(await words('viz', 'stat', ''), ['all', 'deploy', 'po'])
    assert.deepEqual(await words('viz', 'stat', '-n', 'emojivoto', 'd'), ['deploy'])
    assert.deepEqual(await words('viz', 'stat', 'deploy', ''), [])
  })

  test('file arguments fall back to the shell, other commands do not', async () => {
    assert.equal((await complete(COMMANDS, ['inject', 'k8s/'])).files, true)
    assert.equal((await complete(COMMANDS, ['viz', 'stat', 'deploy', ''])).files, false)
    assert.equal((await complete(COMMANDS, ['inject', '--output', ''])).files, false)
  })

  test("cobra's output format", () => {
    assert.equal(cobraOutput({candidates: ['a', 'b'], files: false, noSpace: false}), 'a\nb\n:4\n')
    assert.equal(cobraOutput({candidates: [], files: true, noSpace: false}), ':0\n')
  })
})

describe('names from the cluster', () => {
  const specs = commandSpecs([
    {id: 'viz:stat', flags: {namespace: {type: 'option', char: 'n'}, context: {type: 'option'}, to: {type: 'option'}}, args: {}},
    {id: 'diagnose:pod', flags: {namespace: {type: 'option', char: 'n'}}, args: {}},
  ] as never)
  const asked: string[] = []
  const cluster: ClusterNames = {
    contexts: async () => ['prod', 'staging'],
    namespaces: async () => ['default', 'shop'],
    names: async (kind, flags) => {
      asked.push(`${kind} in ${flags.namespace ?? '(context)'}`)
      return kind === 'deployment' ? ['api', 'web'] : kind === 'pod' ? ['web-1'] : kind === 'service' ? ['web'] : []
    },
  }
  const names = async (...typed: string[]) => (await complete(specs, typed, cluster)).candidates

  test('TYPE/ gives TYPE/NAME, a bare type then its names; in the -n namespace', async () => {
    assert.deepEqual(await names('viz', 'stat', '-n', 'shop', 'deploy/w'), ['deploy/web'])
    assert.deepEqual(await names('viz', 'stat', 'deploy', ''), ['api', 'web'])
    assert.deepEqual(await names('viz', 'stat', 'deploy/web', '--to', 'svc/'), ['svc/web'])
    assert.deepEqual(asked, ['deployment in shop', 'deployment in (context)', 'service in (context)'])
  })

  test('namespaces, contexts and pods', async () => {
    assert.deepEqual(await names('viz', 'stat', '-n', 's'), ['shop'])
    assert.deepEqual(await names('viz', 'stat', '--context', ''), ['prod', 'staging'])
    assert.deepEqual(await names('diagnose', 'pod', 'web'), ['web-1'])
    // Without a cluster lookup (or when it fails) there is simply nothing to offer.
    assert.deepEqual((await complete(specs, ['viz', 'stat', 'deploy/'])).candidates, [])
  })
})

describe('value providers', () => {
  test('resource types: all and every kind alias', () => {
    const types = resourceTypes()
    for (const t of ['all', 'deploy', 'deployment', 'deployments', 'po', 'sts', 'rollout']) assert.ok(types.includes(t), t)
  })

  test('check ids: every category and each of its checks', async () => {
    const ids = await checkIds()
    assert.ok(ids.includes('linkerd-identity'))
    assert.ok(ids.some((id) => id.startsWith('linkerd-identity.')))
    assert.ok(ids.includes('kubernetes-api'))
    assert.equal(new Set(ids).size, ids.length)
  })
})
