// TreeEditor.batch: the text must be exactly what the same edits give one by one (each re-reading
// the document), whether the batch records them together, merges appends to one map, or falls
// back to re-reading for edits that touch each other.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {editorFor, type TreeEditor} from '../../src/inject/edit.js'
import {renderBlock} from '../../src/inject/render.js'

type Edits = (edit: TreeEditor) => void

function sameAsAlone(text: string, edits: Edits): string {
  const alone = editorFor(text)
  edits(alone)
  const batched = editorFor(text)
  batched.batch(() => edits(batched))
  assert.equal(batched.text, alone.text)
  assert.equal(batched.changed, alone.changed)
  return batched.text
}

const POD = `kind: Deployment
metadata:
  name: web # the name
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: web:1
`

test('batch: the manual handler\'s edits (touching appends, new keys, inserts) give the same text', () => {
  const out = sameAsAlone(POD, (e) => {
    e.set(['spec', 'template', 'metadata', 'annotations'], {'linkerd.io/inject': 'enabled'})
    e.set(['spec', 'template', 'metadata', 'labels', 'a'], '1')
    e.set(['spec', 'template', 'metadata', 'labels', 'b'], '2')
    e.insert(['spec', 'template', 'spec', 'volumes'], -1, [{name: 'v', emptyDir: {}}])
    e.insert(['spec', 'template', 'spec', 'initContainers'], -1, [{name: 'init'}])
    e.insert(['spec', 'template', 'spec', 'initContainers'], 0, [{name: 'first'}])
    e.insert(['spec', 'template', 'spec', 'containers'], 0, [{name: 'proxy', image: 'p:1'}])
    e.insert(['spec', 'template', 'spec', 'containers'], -1, [{name: 'debug'}])
  })
  assert.match(out, /- name: first\n {6}- name: init\n/)
  assert.match(out, /labels:\n {8}app: web\n {8}a: "1"\n {8}b: "2"\n {6}annotations:/)
})

test('batch: replacing values, deleting and reading inside a batch', () => {
  sameAsAlone(POD, (e) => {
    e.set(['metadata', 'name'], 'api')
    e.set(['spec', 'template', 'metadata', 'labels', 'app'], 'api')
    assert.equal(e.get(['metadata', 'name']), 'api')
    e.delete(['spec', 'template', 'metadata', 'labels', 'app'], 2)
    e.set(['spec', 'template', 'spec', 'containers', 0, 'image'], {ref: 'web:2'})
    e.set(['spec', 'replicas'], 2)
  })
})

test('batch: CRLF documents and a last line without a newline', () => {
  sameAsAlone('kind: Pod\r\nmetadata:\r\n  name: p\r\n', (e) => {
    e.set(['metadata', 'labels', 'a'], '1')
    e.set(['metadata', 'labels', 'b'], '2')
    e.set(['metadata', 'annotations', 'c'], '3')
  })
  sameAsAlone('kind: Pod\nmetadata:\n  name: p', (e) => {
    e.set(['metadata', 'a'], '1')
    e.set(['metadata', 'b'], {x: 1})
    e.set(['z'], [1, 2])
  })
})

test('batch: flow and JSON documents', () => {
  sameAsAlone('{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}\n', (e) => {
    e.set(['metadata', 'labels'], {a: '1'})
    e.insert(['spec', 'containers'], -1, [{name: 'a'}])
    e.insert(['spec', 'containers'], 0, [{name: 'b'}])
    e.set(['metadata', 'annotations'], {c: '2'})
  })
})

test('frozen values render once per layout, and stay correct per indentation', () => {
  const value = Object.freeze({name: 'proxy', ports: Object.freeze([Object.freeze({containerPort: 4143})])})
  const style = {step: 2, indentSeq: false, json: false}
  const at2 = renderBlock(value, 2, style)
  assert.equal(renderBlock(value, 2, style), at2)
  assert.equal(renderBlock(value, 4, style), '    name: proxy\n    ports:\n    - containerPort: 4143\n')
  assert.equal(renderBlock(value, 2, {...style, indentSeq: true}), '  name: proxy\n  ports:\n    - containerPort: 4143\n')
})
