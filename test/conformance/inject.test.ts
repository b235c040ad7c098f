// Replays Linkerd's own inject/uninject golden tests (test/testdata/linkerd2/inject/cases.json)
// against our engine, comparing as the fixtures' README says: stdout yaml-semantic (or exact),
// stderr exact, exit code. Data-driven: a mode is replayed when MODES knows how to build its
// options; `manual` plugs in by adding an entry (and registering its handler).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseAllDocuments} from 'yaml'

import {buildInjectOptions} from '../../src/inject/options.js'
import {runManifests} from '../../src/inject/run.js'
import type {InjectOptions} from '../../src/inject/types.js'
import {runCli} from '../helpers/run-cli.js'
import {linkerd2Testdata} from '../helpers/testdata.js'

interface Case {
  id: string
  input: string
  golden: string | null
  report: string
  report_verbose: string | null
  mode: string
  flags: Record<string, string | boolean>
  flags_exact: boolean
  values: Record<string, unknown>
  base: string
  exit_code: number
  stdout_compare: 'yaml-semantic' | 'exact' | 'empty'
  stderr_compare: 'exact'
}

interface ModeSpec {
  op: 'inject' | 'uninject'
  /** Options for the case, from its CLI flags, then the chart values the Go test changed. */
  options(c: Case): InjectOptions
}

/** CLI flags of a case as our parsed-flags record (`--admin-port` -> `admin-port`). */
function flagRecord(c: Case): Record<string, unknown> {
  const record: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(c.flags)) if (name !== '--manual') record[name.replace(/^--/, '')] = value
  return record
}

/** Chart values with no CLI flag that our options model. */
function applyValues(options: InjectOptions, values: Record<string, unknown>): InjectOptions {
  if (values['identity.serviceAccountTokenProjection'] === false) return {...options, tokenProjection: false}
  return options
}

export const MODES: Record<string, ModeSpec> = {
  annotate: {op: 'inject', options: (c) => applyValues(buildInjectOptions(flagRecord(c), {}), c.values)},
  uninject: {op: 'uninject', options: () => buildInjectOptions({}, {})},
}

const dir = linkerd2Testdata('inject')
const cases: Case[] = dir ? JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) : []
const read = (file: string): string => readFileSync(`${dir}/${file}`, 'utf8')

/** Documents as data; trailing empty documents are an artefact of Linkerd's writer (`---` after each). */
function documents(text: string): unknown[] {
  const docs = parseAllDocuments(text)
  const values = (Array.isArray(docs) ? docs : []).map((d) => {
    assert.deepEqual(d.errors, [], 'output must be valid YAML')
    return d.toJS()
  })
  while (values.length > 0 && (values[values.length - 1] === null || values[values.length - 1] === undefined)) values.pop()
  return values
}

function compareStdout(c: Case, stdout: string): void {
  if (c.stdout_compare === 'empty' || c.golden === null) return assert.equal(stdout, '')
  const golden = read(c.golden)
  if (c.stdout_compare === 'exact') return assert.equal(stdout, golden)
  assert.deepEqual(documents(stdout), documents(golden))
}

function cliArgs(c: Case, verbose: boolean): string[] {
  const args = [c.mode === 'uninject' ? 'uninject' : 'inject']
  for (const [name, value] of Object.entries(c.flags)) {
    if (value === true) args.push(name)
    else if (value !== false) args.push(name, String(value))
  }
  if (verbose) args.push('--verbose')
  args.push(`${dir}/${c.input}`)
  return args
}

describe('linkerd2 inject conformance', () => {
  const replayed = cases.filter((c) => MODES[c.mode] !== undefined)
  test('every annotate and uninject case is replayed', () => {
    assert.ok(replayed.filter((c) => c.mode === 'annotate').length >= 9)
    assert.equal(replayed.filter((c) => c.mode === 'uninject').length, 15)
  })
  for (const c of replayed) {
    const spec = MODES[c.mode]!
    for (const verbose of [false, true]) {
      const expected = verbose ? c.report_verbose : c.report
      if (expected === null) continue
      test(`${c.id}${verbose ? ' --verbose' : ''}: ${c.notes ?? ''}`.slice(0, 140), async () => {
        const outcome = await runManifests({op: spec.op, options: spec.options(c), args: [`${dir}/${c.input}`], action: 'print', verbose})
        assert.equal(outcome.exitCode, c.exit_code)
        assert.equal(outcome.stderr, read(expected))
        compareStdout(c, [...outcome.stdout].join(''))
      })
    }
    // The same through the real command line, where flags reproduce the case exactly.
    if (c.flags_exact) {
      test(`${c.id} via bin/run.js`, async () => {
        const result = await runCli(cliArgs(c, false))
        assert.equal(result.code, c.exit_code, result.stderr)
        assert.equal(result.stderr, read(c.report))
        compareStdout(c, result.stdout)
      })
    }
  }
})

interface Case {
  notes?: string
}
