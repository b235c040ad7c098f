import assert from 'node:assert/strict'
import {test} from 'node:test'

import {paint} from '../../src/output/color.js'
import {hasControl, ownSequence, terminalSafe, visibleControl} from '../../src/output/terminal.js'

test('escape sequences are shown the way kubectl shows them, not obeyed', () => {
  // The annotation value: a window title, a bell, a screen clear.
  assert.equal(terminalSafe('\u001B]0;pwned\u0007\u001B[2J8080'), '^[]0;pwned^G^[[2J8080')
  assert.equal(terminalSafe('a\rb'), 'a\\rb')
})

test('every C0 character but tab and newline, DEL and C1 get a visible form', () => {
  for (let code = 0; code < 0xa0; code++) {
    const char = String.fromCharCode(code)
    const shown = terminalSafe(`x${char}y`)
    const control = (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f)
    if (control) {
      assert.ok(!hasControl(shown), `U+${code.toString(16)} is escaped`)
      assert.equal(shown, `x${visibleControl(char)}y`)
    } else {
      assert.equal(shown, `x${char}y`)
    }
  }
  assert.equal(visibleControl('\u0000'), '^@')
  assert.equal(visibleControl('\u001F'), '^_')
  assert.equal(visibleControl('\u007F'), '^?')
  assert.equal(visibleControl('\u009B'), 'M-^[')
})

test('printable text, tabs, newlines and non-Latin text pass unchanged', () => {
  const text = 'pod/web-1 in émojivoto\tready √ ‼ ×\n日本語 🚀\n'
  assert.equal(terminalSafe(text), text)
})

test("meshport's own sequences become real; look-alikes from outside do not", () => {
  const own = `${paint.bold(true, 'name')} ${ownSequence('[2A')}`
  assert.equal(terminalSafe(own), '\u001B[1mname\u001B[22m \u001B[2A')
  // Outside text that copies the private marker character cannot copy the key behind it.
  const forged = '\uE000[31mred'
  assert.equal(terminalSafe(forged), forged)
  assert.ok(!hasControl(terminalSafe(`${forged}\u001B[31m`)))
})

test('escaping is idempotent: escaped text has nothing left to escape', () => {
  const once = terminalSafe('\u001B[31m\u0007\u009B\r')
  assert.equal(terminalSafe(once), once)
})
