import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {outputFlag} from '../../src/base-command.js'
import {ClusterError, errorInfo, UsageError} from '../../src/errors.js'
import {renderErrorJson} from '../../src/output/json.js'

describe('error documents', () => {
  test('the output format is read from argv in every spelling, up to --', () => {
    assert.equal(outputFlag(['-o', 'json']), 'json')
    assert.equal(outputFlag(['-ojson']), 'json')
    assert.equal(outputFlag(['-o=junit']), 'junit')
    assert.equal(outputFlag(['--output', 'json', '--verbose']), 'json')
    assert.equal(outputFlag(['--output=json']), 'json')
    assert.equal(outputFlag(['-o', 'json', '-o', 'table']), 'table')
    assert.equal(outputFlag(['--', '-o', 'json']), undefined)
    assert.equal(outputFlag(['deploy', '-n', 'shop']), undefined)
  })

  test('one shape for every failure: schemaVersion and an error with code, message, hint, exitCode', () => {
    const cluster = errorInfo(new ClusterError('context "x" not found', {code: 'KUBE_CONTEXT_UNKNOWN', hint: 'use one of: a, b'}))
    assert.equal(renderErrorJson(cluster), `${JSON.stringify({schemaVersion: 1, error: {code: 'KUBE_CONTEXT_UNKNOWN', message: 'context "x" not found', hint: 'use one of: a, b', exitCode: 3}}, null, 2)}\n`)
    assert.equal(renderErrorJson(errorInfo(new UsageError('bad')), {lines: true}), '{"schemaVersion":1,"error":{"code":"USAGE","message":"bad","exitCode":2}}\n')
    // oclif's parse errors are usage errors; anything else is a bug, exit 1 unless it says otherwise.
    assert.deepEqual(errorInfo(Object.assign(new Error('Nonexistent flag: --x'), {oclif: {exit: 2}})), {code: 'USAGE', message: 'Nonexistent flag: --x', exitCode: 2})
    assert.deepEqual(errorInfo(new TypeError('x is undefined')), {code: 'INTERNAL', message: 'x is undefined', exitCode: 1})
  })
})
