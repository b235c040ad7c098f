import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseDocument} from 'yaml'

import {scanDocument} from '../../src/inject/scan.js'
import {splitYaml} from '../../src/inject/split.js'
import {toJS} from '../../src/inject/tree.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

/** The scanner either declines or reads exactly what the yaml library reads. */
function agrees(text: string): 'scanned' | 'declined' {
  const scanned = scanDocument(text)
  if (scanned === undefined) return 'declined'
  const doc = parseDocument(text)
  assert.deepEqual(doc.errors, [], `scanner accepted invalid YAML:\n${text}`)
  assert.deepEqual(toJS(scanned.root), doc.toJS(), `scanner read differently:\n${text}`)
  return 'scanned'
}

describe('fast scanner', () => {
  test('reads the block style of real manifests exactly as yaml does', () => {
    const dir = linkerd2Testdata('inject')
    let scanned = 0
    let total = 0
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
      for (const chunk of splitYaml(readFileSync(`${dir}/${file}`, 'utf8'))) {
        total++
        if (agrees(chunk.text) === 'scanned') scanned++
      }
    }
    // Nearly every document of Linkerd's fixtures is in the fast subset.
    assert.ok(scanned > total * 0.8, `${scanned} of ${total} scanned`)
    for (const chunk of splitYaml(readFileSync('examples/emojivoto.yml', 'utf8'))) assert.equal(agrees(chunk.text), 'scanned', chunk.text)
  })

  test('handles flow collections, quoting, block scalars, comments and compact sequences', () => {
    const text = `---
# leading comment
apiVersion: v1 # trailing
kind: "ConfigMap"
metadata: {name: cfg, labels: {app: "web", tier: 'front end'}, empty: {}}
data:
  script: |
    echo "a: b" # not a comment

    echo done
  folded: >-
    one
    two
  keep: |+
    kept

  list: [1, 2.5, true, null, ~, "x", 'it''s', 0x1F, 0o17, -3, .inf]
  escaped: "tab\\there \\u00e9 \\"q\\""
  colon: a:b
  url: http://example.com/path#frag
  hash: 'a # b'
items:
- name: a
  value: "1"
-
  name: b
- plain
- {k: v}
- [x, y]
nested:
  - deeper:
      - 1
`
    assert.equal(agrees(text), 'scanned')
  })

  test('declines what it does not fully understand, and everything invalid', () => {
    const cases = [
      'a: &x 1\nb: *x\n', // anchors and aliases
      'a: !!str 1\n', // tags
      '<<: {a: 1}\n', // merge keys
      'a: [1,\n  2]\n', // multi-line flow
      'a: b\n  c\n', // multi-line plain scalar
      'a: "abc\nb: c\n', // unterminated quote
      'a: [1, 2\nb: c\n', // unterminated flow
      'a:\n\tb: c\n', // tab indentation
      'a: b: c\n', // nested mapping in a compact mapping
      'a: 1\na: 2\n', // duplicate key
      'a:\n  b: 1\n c: 2\n', // bad indentation
      'a:\n    b: 1\n  c: 2\n',
      'a: 1\n- b\n',
      '? complex\n: key\n',
      'key: |2\n   indented\n', // indentation indicator
      'a: b\r\nc: d\r\n', // CRLF
      '%YAML 1.2\n---\na: 1\n', // directives
    ]
    for (const text of cases) assert.equal(scanDocument(text), undefined, JSON.stringify(text))
    // The ric-00 fixture: indentation that breaks the mapping.
    const bad = readFileSync(`${linkerd2Testdata('inject')}/inject_gettest_deployment.bad.input.yml`, 'utf8')
    for (const chunk of splitYaml(bad)) if (parseDocument(chunk.text).errors.length > 0) assert.equal(scanDocument(chunk.text), undefined)
  })

  test('records offsets that point at the source text', () => {
    const text = 'kind: Deployment\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n'
    const root = scanDocument(text)!.root!
    assert.equal(root.type, 'map')
    if (root.type !== 'map') return
    const spec = root.pairs[1]!
    assert.equal(text.slice(spec.lineStart, spec.end), text.slice(text.indexOf('spec:')))
    assert.equal(text.slice(root.pairs[0]!.keyStart, root.pairs[0]!.end), 'kind: Deployment\n')
  })
})
