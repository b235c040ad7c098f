import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {textRows, WatchScreen} from '../../src/output/watch-screen.js'

function fakeScreen(columns: number, isTTY = true) {
  const written: string[] = []
  return {columns, isTTY, written, write: (text: string) => written.push(text)}
}

describe('watch screen', () => {
  test('rows of a frame: lines the terminal wraps count for each row they take', () => {
    assert.equal(textRows('', 80), 0)
    assert.equal(textRows('a\nb\n', 80), 2)
    assert.equal(textRows(`${'x'.repeat(100)}\nb\n`, 80), 3)
    assert.equal(textRows(`${'x'.repeat(160)}\n`, 80), 2)
  })

  test('each frame goes up over the rows of the previous one, its notes included when on the same terminal', () => {
    const out = fakeScreen(40)
    const err = fakeScreen(40)
    const screen = new WatchScreen(out, err)
    screen.draw(`${'x'.repeat(50)}\nrow\n`, 'Warning: one\n')
    assert.deepEqual(out.written, [`${'x'.repeat(50)}\nrow\n`])
    assert.deepEqual(err.written, ['Warning: one\n'])
    screen.draw('row\n', '')
    // 2 rows for the wrapped line, 1 for the second, 1 for the note.
    assert.equal(out.written[1], '\u001B[4A\u001B[Jrow\n')
    screen.draw('row\n', '')
    assert.equal(out.written[2], '\u001B[1A\u001B[Jrow\n')
  })

  test('notes on another stream take no rows; a resize clears the screen instead', () => {
    const out = fakeScreen(40)
    const screen = new WatchScreen(out, fakeScreen(0, false))
    screen.draw('a\nb\n', 'note\n')
    screen.draw('a\n', '')
    assert.equal(out.written[1], '\u001B[2A\u001B[Ja\n')
    out.columns = 60
    screen.draw('a\n', '')
    assert.equal(out.written[2], '\u001B[H\u001B[2Ja\n')
  })
})
