import assert from 'node:assert/strict'
import {test} from 'node:test'

import {colorDiff as markedDiff} from '../../src/output/diff.js'
import {terminalSafe} from '../../src/output/terminal.js'

// Colour is meshport's own marker until it is written through the terminal-safe writer.
const colorDiff = (diff: string): string => terminalSafe(markedDiff(diff))

const ESC = '\u001B'

test('colours a unified diff as git diff does: headers bold, hunks cyan, removals red, additions green', () => {
  const diff = '--- a/app.yml\n+++ b/app.yml\n@@ -1,3 +1,3 @@\n kind: Pod\n-metadata: {}\n+metadata: {annotations: {linkerd.io/inject: enabled}}\n spec: {}\n'
  assert.equal(
    colorDiff(diff),
    `${ESC}[1m--- a/app.yml${ESC}[22m\n${ESC}[1m+++ b/app.yml${ESC}[22m\n${ESC}[36m@@ -1,3 +1,3 @@${ESC}[39m\n kind: Pod\n${ESC}[31m-metadata: {}${ESC}[39m\n${ESC}[32m+metadata: {annotations: {linkerd.io/inject: enabled}}${ESC}[39m\n spec: {}\n`,
  )
})

test('a removed `---` or added `+++` line inside a hunk is a change, not a file header', () => {
  const diff = '--- a/s.yml\n+++ b/s.yml\n@@ -2 +2 @@\n----\n++++ x\n@@ -9 +9 @@\n-a\n+b\n'
  const lines = colorDiff(diff).split('\n')
  assert.equal(lines[3], `${ESC}[31m----${ESC}[39m`)
  assert.equal(lines[4], `${ESC}[32m++++ x${ESC}[39m`)
  assert.equal(lines[5], `${ESC}[36m@@ -9 +9 @@${ESC}[39m`)
  assert.equal(lines[6], `${ESC}[31m-a${ESC}[39m`)
  assert.equal(colorDiff(''), '')
})
