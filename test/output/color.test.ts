import assert from 'node:assert/strict'
import {test} from 'node:test'

import {colorEnabled, paint} from '../../src/output/color.js'
import {terminalSafe} from '../../src/output/terminal.js'

test('colour only on a TTY without NO_COLOR, unless forced', () => {
  assert.equal(colorEnabled('auto', {isTTY: true}, {}), true)
  assert.equal(colorEnabled('auto', {isTTY: false}, {}), false)
  assert.equal(colorEnabled('auto', {isTTY: true}, {NO_COLOR: '1'}), false)
  assert.equal(colorEnabled('always', {isTTY: false}, {NO_COLOR: '1'}), true)
  assert.equal(colorEnabled('never', {isTTY: true}, {}), false)
})

test('paint leaves text alone when colour is off', () => {
  assert.equal(paint.red(false, 'x'), 'x')
  assert.equal(terminalSafe(paint.red(true, 'x')), '\u001B[31mx\u001B[39m')
  // Until it is written through terminalSafe, colour is only a marker: no raw ESC anywhere.
  assert.ok(!paint.red(true, 'x').includes('\u001B'))
})
