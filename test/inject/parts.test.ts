// Inputs in parts (src/inject/parts.ts, split.ts) and huge files transformed twice (run.ts): the
// same chunks, the same output and the same report as one string held whole, however the parts
// fall.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {MemoryPolicy} from '../../src/inject/memory.js'
import {buildInjectOptions} from '../../src/inject/options.js'
import {FileParts, LineParts, PART} from '../../src/inject/parts.js'
import {runManifests} from '../../src/inject/run.js'
import {readInputs} from '../../src/inject/source.js'
import {splitInput, yamlChunks} from '../../src/inject/split.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

const fixtures = linkerd2Testdata('inject')

// Streams that exercise the splitter: comments before the first marker, markers with comments
// and CR, a final bare marker, an end marker, documents without a final newline, empty documents.
const TRICKY = [
  '# head\n# more\n---\na: 1\n---\nb: 2\n',
  '# only comments\n\na: 1\n--- # two\nb: 2\n---\r\nc: 3\r\n---\n',
  'a: 1\n...\n---\n---\nb: |\n  ---not a marker\n  x\n---',
  '---\n---\n\n---\n# c\n',
  'x: 1',
  '',
  '\n\n---\nkind: Pod\n-----\n--- \n',
]

/** A deterministic generator of cut positions. */
function cutter(seed: number): (n: number) => number {
  let state = seed
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state % n
  }
}

/** `text` cut at random places (not only line ends: yamlChunks must cope). */
function randomParts(text: string, seed: number): string[] {
  const next = cutter(seed)
  const parts: string[] = []
  let at = 0
  while (at < text.length) {
    const end = Math.min(text.length, at + 1 + next(Math.max(2, text.length / 3)))
    parts.push(text.slice(at, end))
    at = end
  }
  return parts
}

/** `text` cut after newlines only, as source.ts cuts it. */
function lineParts(text: string, seed: number): string[] {
  const next = cutter(seed)
  const parts: string[] = []
  let at = 0
  while (at < text.length) {
    const nl = text.indexOf('\n', at + next(Math.max(2, text.length / 4)))
    const end = nl === -1 ? text.length : nl + 1
    parts.push(text.slice(at, end))
    at = end
  }
  return parts
}

describe('inputs in parts', () => {
  const texts = [...TRICKY, ...readdirSync(fixtures).filter((f) => f.endsWith('.input.yml')).slice(0, 12).map((f) => readFileSync(join(fixtures, f), 'utf8'))]

  test('yamlChunks gives the same chunks however the text is cut into parts', () => {
    for (const [i, text] of texts.entries()) {
      const whole = [...yamlChunks(text)]
      for (let seed = 1; seed <= 8; seed++) {
        assert.deepEqual([...yamlChunks(lineParts(text, seed + i))], whole, `text ${i}, line parts, seed ${seed}`)
        assert.deepEqual([...yamlChunks(randomParts(text, seed + i))], whole, `text ${i}, random parts, seed ${seed}`)
      }
    }
  })

  test('a list of parts is emptied as it is read; JSON is recognised past blank parts', () => {
    const parts = ['\n', '  \n', '{"kind": "Pod",\n', '"metadata": {"name": "p"}}\n']
    const split = splitInput(parts)
    assert.equal(split.json, true)
    assert.deepEqual([...split.chunks].map((c) => c.text), ['\n  \n{"kind": "Pod",\n"metadata": {"name": "p"}}\n'])
    assert.deepEqual(parts, ['', '', '', ''])
    assert.equal(splitInput(['\n', '', 'a: 1\n']).json, false)
  })

  test('LineParts: parts end at line ends, multi-byte characters survive any byte cut', () => {
    const line = 'name: café-über-日本語-🚀 and more text to fill the line\n'
    const text = line.repeat(Math.ceil((3 * PART) / line.length)) + 'last line without newline é'
    const bytes = Buffer.from(text, 'utf8')
    const next = cutter(7)
    const decoder = new LineParts()
    const parts: string[] = []
    for (let at = 0; at < bytes.length; ) {
      const end = Math.min(bytes.length, at + 1 + next(PART / 2))
      const part = decoder.push(bytes.subarray(at, end))
      if (part !== undefined) parts.push(part)
      at = end
    }
    parts.push(decoder.end())
    assert.ok(parts.length >= 3)
    for (const part of parts.slice(0, -1)) assert.ok(part.endsWith('\n'))
    assert.equal(parts.join(''), text)
  })

  test('LineParts: a line longer than a part waits for its end', () => {
    const long = 'x'.repeat(3 * PART)
    const decoder = new LineParts()
    const parts: string[] = []
    for (let i = 0; i < 4 * PART; i += 4096) {
      const part = decoder.push(Buffer.from((long + '\nshort\n').slice(i, i + 4096)))
      if (part !== undefined) parts.push(part)
    }
    parts.push(decoder.end())
    assert.equal(parts.join(''), `${long}\nshort\n`)
    // Cut at the last newline seen, never inside the long line.
    assert.ok(parts[0]!.startsWith(long) && parts[0]!.endsWith('\n'))
  })
})

describe('huge files: read in parts, transformed twice', () => {
  let dir: string
  let big: string
  let json: string
  let tail: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-parts-'))
    const example = readFileSync('examples/emojivoto.yml', 'utf8')
    big = join(dir, 'big.yml')
    // Several parts, so that FileParts reads it and documents straddle part ends.
    writeFileSync(big, Array.from({length: Math.ceil((3 * PART) / example.length)}, (_, i) => example.replaceAll('name: emoji', `name: emoji-${i}`)).join('---\n'))
    json = join(dir, 'pod.json')
    writeFileSync(json, JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'c', image: 'i'}]}}))
    tail = join(dir, 'tail.yml')
    writeFileSync(tail, readFileSync(join(fixtures, 'inject_emojivoto_list.input.yml'), 'utf8').trimEnd())
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  test('a large file is read lazily, and again on every iteration', async () => {
    const [input] = await readInputs([big])
    assert.ok(input!.parts instanceof FileParts)
    const once = [...input!.parts]
    assert.ok(once.length >= 3)
    assert.deepEqual([...input!.parts], once)
    assert.equal(once.join(''), readFileSync(big, 'utf8'))
  })

  test('a file that changes between passes is an error, not a mix of two versions', async () => {
    const changing = join(dir, 'changing.yml')
    writeFileSync(changing, readFileSync(big))
    const [input] = await readInputs([changing])
    writeFileSync(changing, readFileSync(big, 'utf8') + '\n# appended\n')
    assert.throws(() => [...input!.parts], /changing\.yml: the file changed while meshport was reading it/)
  })

  test('transformed twice, the output and report are those of one pass', async () => {
    const asked: number[] = []
    const twice: MemoryPolicy = {expect: () => {}, progress: () => undefined, transformsTwice: (size) => asked.push(size) > 0}
    for (const op of ['inject', 'uninject'] as const) {
      // A small file before (no final newline), JSON between: the separators depend on the pieces around.
      const settings = {op, options: buildInjectOptions({}, {}), args: [tail, big, json, big], action: 'print' as const, verbose: true}
      const held = await runManifests(settings)
      const streamed = await runManifests({...settings, memory: twice})
      assert.equal(streamed.stderr, held.stderr)
      assert.equal(streamed.exitCode, held.exitCode)
      assert.equal([...streamed.stdout].join(''), [...held.stdout].join(''), op)
    }
    // Asked for the two large files only: the others are lists, always held.
    assert.deepEqual(asked, Array(4).fill(statSync(big).size))
  })
})
