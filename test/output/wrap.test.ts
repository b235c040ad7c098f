import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {fit} from '../../src/help.js'
import {fitLine} from '../../src/output/progress.js'
import {screenRows, visibleWidth, wrapLine, wrapText} from '../../src/output/wrap.js'

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '' && w !== '\\')

describe('word wrapping', () => {
  test('breaks between words, keeps the indentation, never splits a word that fits', () => {
    const line = '  meshed:       yes — the pod has a linkerd-proxy container, injected as a native sidecar (init container)'
    const lines = wrapLine(line, 40, {hang: '                '})
    assert.ok(lines.every((l) => visibleWidth(l) <= 40), lines.join('\n'))
    assert.deepEqual(words(lines.join(' ')), words(line))
    assert.ok(lines.slice(1).every((l) => l.startsWith('                ') && !l.startsWith('                 ')))
  })

  test('a token longer than the line is cut after | , or / first', () => {
    const lines = wrapLine('      (all-authenticated|all-unauthenticated|cluster-authenticated|cluster-unauthenticated|deny)', 50)
    assert.deepEqual(lines, ['      (all-authenticated|all-unauthenticated|', '      cluster-authenticated|', '      cluster-unauthenticated|deny)'])
    assert.deepEqual(wrapLine('abcdefghij', 4), ['abcd', 'efgh', 'ij'])
  })

  test('lines that fit, colour escapes and inner runs of spaces stay as they are', () => {
    assert.deepEqual(wrapLine('NAME   MESHED', 13), ['NAME   MESHED'])
    assert.equal(visibleWidth('\u001B[1mbold\u001B[22m'), 4)
    assert.equal(wrapText('a b\n\ncd', 2), 'a\nb\n\ncd')
  })

  test('rows a line takes on the screen, wrapped lines counted', () => {
    assert.equal(screenRows('', 80), 1)
    assert.equal(screenRows('x'.repeat(80), 80), 1)
    assert.equal(screenRows('x'.repeat(81), 80), 2)
    assert.equal(screenRows(`\u001B[31m${'x'.repeat(80)}\u001B[39m`, 40), 2)
  })

  test('help: a long example command continues after a backslash, as a shell reads it', () => {
    const text = fit('  $ meshport check --only linkerd-identity --skip linkerd-identity.trust-anchors-not-expiring', 80)
    assert.equal(text, '  $ meshport check --only linkerd-identity --skip \\\n      linkerd-identity.trust-anchors-not-expiring')
  })

  test('a spinner line: its first line, cut to the width with an ellipsis', () => {
    assert.equal(fitLine('short', 10), 'short')
    assert.equal(fitLine('waiting for linkerd-existence', 10), 'waiting f…')
    assert.equal(fitLine('one\ntwo', 10), 'one')
  })
})
