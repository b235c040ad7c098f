import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {kindByAlias} from '../../src/resources/kinds.js'
import {parseTargets} from '../../src/resources/targets.js'

describe('parseTargets (Linkerd resource argument rules)', () => {
  test('short, singular and plural type names', () => {
    for (const alias of ['deploy', 'deployment', 'deployments', 'DEPLOY']) assert.equal(kindByAlias(alias)?.name, 'deployment')
    for (const [alias, name] of [['sts', 'statefulset'], ['ds', 'daemonsets'], ['po', 'pods'], ['ns', 'namespaces'], ['rs', 'replicasets'], ['rc', 'replicationcontrollers'], ['cj', 'cronjobs'], ['job', 'jobs'], ['rollout', 'rollouts']] as const) {
      assert.equal(kindByAlias(alias)?.name, kindByAlias(name)?.name)
    }
  })

  test('TYPE, TYPE/NAME, TYPE NAME NAME and TYPE/', () => {
    assert.deepEqual(parseTargets(['deploy']), {all: false, ok: true, targets: [{custom: false, kind: 'deployment'}]})
    assert.deepEqual(parseTargets(['deploy/web', 'po/web-1']), {
      all: false,
      ok: true,
      targets: [
        {custom: false, kind: 'deployment', name: 'web'},
        {custom: false, kind: 'pod', name: 'web-1'},
      ],
    })
    assert.deepEqual(parseTargets(['sts', 'a', 'b']), {
      all: false,
      ok: true,
      targets: [
        {custom: false, kind: 'statefulset', name: 'a'},
        {custom: false, kind: 'statefulset', name: 'b'},
      ],
    })
    assert.deepEqual(parseTargets(['deploy/', 'po/']), {all: false, ok: true, targets: [{custom: false, kind: 'deployment'}, {custom: false, kind: 'pod'}]})
  })

  test('all, and custom owner kinds', () => {
    assert.deepEqual(parseTargets(['all']), {all: true, ok: true, targets: []})
    assert.deepEqual(parseTargets(['clonesets/web']), {all: false, ok: true, targets: [{custom: true, kind: 'clonesets', name: 'web'}]})
  })

  test('errors as Linkerd words them', () => {
    assert.deepEqual(parseTargets(['all', 'deploy']), {error: "'all' can't be supplied alongside other resources", ok: false})
    assert.deepEqual(parseTargets(['deploy/a', 'deploy/a']), {error: 'cannot supply duplicate resources', ok: false})
    assert.deepEqual(parseTargets(['deploy/a/b']), {error: 'Invalid resource string: deploy/a/b', ok: false})
    assert.equal(parseTargets([]).ok, false)
    assert.equal(parseTargets(['/web']).ok, false)
    assert.equal(parseTargets(['de$ploy']).ok, false)
  })
})
