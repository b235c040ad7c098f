import assert from 'node:assert/strict'
import {test} from 'node:test'

import {editorFor} from '../../src/inject/edit.js'

test('set creates missing maps in the document style and keeps everything else', () => {
  const text = 'a:\n    b: 1   # spaced comment\nlist:\n  - x\n'
  const edit = editorFor(text)
  edit.set(['a', 'c', 'd'], 'v')
  edit.set(['a', 'b'], 2)
  assert.equal(edit.text, 'a:\n    b: 2   # spaced comment\n    c:\n        d: v\nlist:\n  - x\n')
})

test('set on flow maps and on null values', () => {
  const edit = editorFor('m: {a: 1}\nn:\ne: {}\n')
  edit.set(['m', 'b'], 'two words')
  edit.set(['n', 'k'], 'v')
  edit.set(['e', 'x'], '8080')
  assert.equal(edit.text, 'm: {a: 1, b: "two words"}\nn:\n  k: v\ne: {x: "8080"}\n')
})

test('delete prunes emptied parents and leaves siblings and comments alone', () => {
  const text = 'meta:\n  # labels\n  labels:\n    app: web\n  annotations:\n    only: one # bye\nitems:\n- name: a\n- name: b\n'
  const edit = editorFor(text)
  assert.equal(edit.delete(['meta', 'annotations', 'only'], 1), true)
  assert.equal(edit.text, 'meta:\n  # labels\n  labels:\n    app: web\nitems:\n- name: a\n- name: b\n')
  assert.equal(edit.delete(['items', 0]), true)
  assert.equal(edit.delete(['items', 0], 1), true)
  assert.equal(edit.text, 'meta:\n  # labels\n  labels:\n    app: web\n')
  assert.equal(edit.delete(['nothing', 'here']), false)
})

test('insert adds sequence items in the sequence style, creating the sequence', () => {
  const edit = editorFor('spec:\n  containers:\n  - name: app\n')
  edit.insert(['spec', 'containers'], 0, [{name: 'proxy', ports: [{containerPort: 4143, name: 'linkerd-proxy'}], env: [{name: 'X', value: 'line1\nline2\n'}]}])
  edit.insert(['spec', 'volumes'], -1, [{name: 'v', emptyDir: {}}])
  assert.equal(
    edit.text,
    'spec:\n  containers:\n  - name: proxy\n    ports:\n    - containerPort: 4143\n      name: linkerd-proxy\n    env:\n    - name: X\n      value: |\n        line1\n        line2\n  - name: app\n  volumes:\n  - name: v\n    emptyDir: {}\n',
  )
  assert.deepEqual(edit.get(['spec', 'containers', 0, 'env', 0, 'value']), 'line1\nline2\n')
})

test('documents with aliases are edited through the yaml Document', () => {
  const edit = editorFor('base: &b {app: web}\nlabels: *b\n')
  edit.set(['extra'], 'x')
  assert.deepEqual(edit.get([]), {base: {app: 'web'}, labels: {app: 'web'}, extra: 'x'})
  assert.ok(edit.changed)
})

test('documents with CRLF line endings keep them in new lines', () => {
  const edit = editorFor('kind: Pod\r\nmetadata:\r\n  name: p\r\n')
  edit.set(['metadata', 'annotations', 'linkerd.io/inject'], 'enabled')
  assert.equal(edit.text, 'kind: Pod\r\nmetadata:\r\n  name: p\r\n  annotations:\r\n    linkerd.io/inject: enabled\r\n')
})
