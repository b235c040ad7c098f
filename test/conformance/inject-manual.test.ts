// Replays Linkerd's `--manual` golden cases (cases.json, mode "manual") through bin/run.js:
// stdout compared as YAML data, the stderr report exactly, the exit code exactly. Each case runs
// with its base configuration as a --values file (test/fixtures/inject/) plus its flags; settings
// Linkerd has no flag for (`flags_exact: false`) go through --set with the chart value name.
// Then the round trips: uninject of each golden gives its input back, inject of that gives the
// golden again, and re-injecting a golden changes nothing.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parseAllDocuments, parseDocument} from 'yaml'
import {applyManualFlags} from '../../src/inject/manual/setup.js'
import {buildInjectOptions} from '../../src/inject/options.js'
import {runManifests} from '../../src/inject/run.js'
import type {InjectOptions} from '../../src/inject/types.js'
import {runCli} from '../helpers/run-cli.js'
import {baseValuesFile, conformanceDir, GOLDEN_CREATED_BY, loadCases, manualArgs, normalise, type ConformanceCase} from '../inject/manual/golden.js'

const CREATED_BY = /^meshport\/cli \S+$/

/** Documents as data; a trailing empty document is Linkerd's writer's (`---` after each). */
function docs(text: string): unknown[] {
  const values = parseAllDocuments(text).map((d) => d.toJS() as unknown)
  while (values.length > 0 && (values[values.length - 1] === null || values[values.length - 1] === undefined)) values.pop()
  return values
}

/** Our `linkerd.io/created-by` is the one value allowed to differ from the golden's. */
function sameCreatedBy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => sameCreatedBy(v))
  if (typeof value !== 'object' || value === null) return value
  const out: {[key: string]: unknown} = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'linkerd.io/created-by' && typeof v === 'string' && CREATED_BY.test(v) ? GOLDEN_CREATED_BY : sameCreatedBy(v)
  }
  return out
}

function comparable(text: string): unknown[] {
  return docs(text).map((d) => normalise(sameCreatedBy(d)))
}

const cases = loadCases().filter((c) => c.mode === 'manual')

// Deliberate deviation (docs/inject.md, "Differences ... on purpose"): for malformed YAML Linkerd
// prints "Error transforming resources:" + go-yaml's parser text with a line relative to the
// document. meshport keeps its own one-line error naming file, document, file line and column (we
// cannot honestly reproduce go-yaml's messages). The contract checked instead: exit 1, nothing on
// stdout, one `Error:` line (+ optional `Hint:`) at the same place Linkerd points to.
const SYNTAX_ERROR_CASES = new Set(['ric-00'])

/** Linkerd's `yaml: line N` for a syntax error, as a document number and a line of the file (1-based). */
function linkerdErrorFileLine(inputText: string, report: string): {document: number; line: number} {
  const reported = /yaml: line (\d+):/.exec(report)
  assert.ok(reported, `no go-yaml line in the golden report: ${report}`)
  // Documents as Kubernetes' YAML reader cuts them: separator lines belong to no document.
  const lines = inputText.split('\n')
  const documents: {first: number; text: string}[] = []
  let first = 0
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && !/^---(?:\s|$)/.test(lines[i]!)) continue
    if (i > first) documents.push({first, text: lines.slice(first, i).join('\n')})
    first = i + 1
  }
  // Linkerd stops at the first document that does not parse.
  const failing = documents.findIndex((d) => parseDocument(d.text).errors.length > 0)
  assert.ok(failing >= 0, 'the fixture has no malformed document')
  // go-yaml v2 puts a parser error's 0-based mark line in its message, counted from the
  // document's first line: the file's 1-based line is the document's 0-based first line + N + 1.
  return {document: failing + 1, line: documents[failing]!.first + Number(reported[1]) + 1}
}

function assertSyntaxError(c: ConformanceCase, result: {code: number | null; stdout: string; stderr: string}): void {
  const inputPath = `${conformanceDir}/${c.input}`
  const {document, line} = linkerdErrorFileLine(readFileSync(inputPath, 'utf8'), readFileSync(`${conformanceDir}/${c.report}`, 'utf8'))
  assert.equal(result.code, 1, 'exit code')
  assert.equal(result.stdout, '', 'nothing on stdout')
  const lines = result.stderr.replace(/\n$/, '').split('\n')
  assert.ok(lines.length === 1 || (lines.length === 2 && lines[1]!.startsWith('Hint: ')), `one Error line (+ Hint): ${result.stderr}`)
  assert.ok(lines[0]!.startsWith('Error: '), lines[0])
  assert.ok(lines[0]!.includes(inputPath), `names the file: ${lines[0]}`)
  assert.ok(lines[0]!.includes(`document ${document}`), `names document ${document}: ${lines[0]}`)
  assert.match(lines[0]!, new RegExp(`:${line}:\\d+:`), `names file line ${line} (Linkerd's line, in file terms) and a column`)
}

describe('linkerd2-inject conformance: --manual', {concurrency: 2}, () => {
  for (const c of cases) {
    test(`${c.id} ${c.input}${c.flags_exact ? '' : ' (--set)'}`, async () => {
      const result = await runCli(manualArgs(c, `${conformanceDir}/${c.input}`))
      if (SYNTAX_ERROR_CASES.has(c.id)) return assertSyntaxError(c, result)
      assert.equal(result.stderr, readFileSync(`${conformanceDir}/${c.report}`, 'utf8'), 'stderr report')
      assert.equal(result.code, c.exit_code, 'exit code')
      const golden = c.golden ? readFileSync(`${conformanceDir}/${c.golden}`, 'utf8') : ''
      if (golden.trim() === '') assert.equal(result.stdout, '', 'stdout must be empty')
      else assert.deepEqual(comparable(result.stdout), comparable(golden))
    })
  }
})

// Annotate cases whose setting has no flag (test/conformance/inject.test.ts replays the others
// through bin/run.js): the same --values base file and --set, in annotate mode.
describe('linkerd2-inject conformance: annotate cases through --values/--set', () => {
  for (const c of loadCases().filter((x) => x.mode === 'annotate' && !x.flags_exact)) {
    test(`${c.id} ${c.input} (--set)`, async () => {
      const args = ['inject', `${conformanceDir}/${c.input}`, '--values', baseValuesFile(c.base)]
      for (const [path, value] of Object.entries(c.values)) args.push('--set', `${path}=${JSON.stringify(value)}`)
      const result = await runCli(args)
      assert.equal(result.stderr, readFileSync(`${conformanceDir}/${c.report}`, 'utf8'), 'stderr report')
      assert.equal(result.code, c.exit_code, 'exit code')
      const golden = c.golden ? readFileSync(`${conformanceDir}/${c.golden}`, 'utf8') : ''
      if (golden.trim() === '') assert.equal(result.stdout, '', 'stdout must be empty')
      else assert.deepEqual(comparable(result.stdout), comparable(golden))
    })
  }
})

// Round trips on the goldens of single files that inject cleanly.
const roundTrips = cases.filter((c) => c.exit_code === 0 && c.golden && !c.input.endsWith('/resources') && c.input !== c.golden)

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking free-form YAML data in a test
type Obj = any

/** uninject keeps `config.linkerd.io/*` annotations and control-plane metadata: the golden's count. */
function expectedUninjected(golden: unknown, input: unknown): unknown {
  const kept = structuredClone(input) as Obj
  const g = golden as Obj
  const visit = (i: Obj, o: Obj): void => {
    if (!i || !o || typeof i !== 'object' || typeof o !== 'object') return
    if (Array.isArray(i.items) && Array.isArray(o.items)) i.items.forEach((item: unknown, n: number) => visit(item, o.items[n]))
    for (const t of [[i, o], [i.spec?.template, o.spec?.template], [i.spec?.jobTemplate?.spec?.template, o.spec?.jobTemplate?.spec?.template]]) {
      const [mine, theirs] = t as [Obj, Obj]
      const annotations = theirs?.metadata?.annotations as {[key: string]: string} | undefined
      if (!mine || !annotations) continue
      for (const [k, v] of Object.entries(annotations)) if (k.startsWith('config.')) ((mine.metadata ??= {}).annotations ??= {})[k] = v
    }
  }
  visit(kept, g)
  return kept
}

/** The case's options as the command builds them (the command line itself is tested above). */
async function caseOptions(c: ConformanceCase): Promise<InjectOptions> {
  const flags: {[name: string]: unknown} = {manual: true, values: [baseValuesFile(c.base)], set: []}
  const args = manualArgs(c, '-').slice(2)
  for (let i = 0; i < args.length; i++) {
    const name = (args[i] ?? '').replace(/^--/, '')
    const next = args[i + 1]
    if (name === 'values') i++
    else if (name === 'set') (flags.set as string[]).push(args[++i] ?? '')
    else if (next === undefined || next.startsWith('--')) flags[name] = true
    else flags[name] = args[++i]
  }
  return applyManualFlags(flags, buildInjectOptions(flags, {}), {version: '0.1.0'})
}

/** One in-process pass of the engine over `text` (spawning bin/run.js thrice per case is slow). */
async function run(op: 'inject' | 'uninject', text: string, options: InjectOptions): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-manual-'))
  try {
    writeFileSync(join(dir, 'in.yml'), text)
    const outcome = await runManifests({op, options, args: [join(dir, 'in.yml')], action: 'print', verbose: false})
    return {stdout: [...outcome.stdout].join(''), stderr: outcome.stderr, exitCode: outcome.exitCode}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

describe('linkerd2-inject conformance: --manual round trips', () => {
  for (const c of roundTrips) {
    test(`${c.id}: uninject(golden) = input, inject again = golden, re-inject = golden`, async (t) => {
      const goldenText = readFileSync(`${conformanceDir}/${c.golden}`, 'utf8')
      const inputText = readFileSync(`${conformanceDir}/${c.input}`, 'utf8')
      const options = await caseOptions(c)
      const uninjected = await run('uninject', goldenText, buildInjectOptions({}, {}))
      assert.equal(uninjected.exitCode, 0, uninjected.stderr)
      if (!/control-plane-component|linkerd-init|linkerd-proxy/.test(inputText)) {
        // Inputs with stale sidecars (or control-plane metadata) do not come back byte-equal by design.
        const input = docs(inputText)
        const golden = docs(goldenText)
        assert.deepEqual(
          docs(uninjected.stdout).map((d) => normalise(d)),
          input.map((d, i) => normalise(expectedUninjected(golden[i], d))),
        )
      } else t.diagnostic('input carries injected content: only the inject direction is compared')
      const again = await run('inject', uninjected.stdout, options)
      assert.equal(again.exitCode, 0, again.stderr)
      assert.deepEqual(comparable(again.stdout), comparable(goldenText))
      const reinjected = await run('inject', again.stdout, options)
      assert.equal(reinjected.stdout, again.stdout, 're-inject of our own output changes nothing')
    })
  }
})

// The --verbose report of every case (Linkerd's `√` lines), in process: the command line above
// already covers argument handling.
describe('linkerd2-inject conformance: --manual --verbose reports', () => {
  for (const c of cases) {
    const expected = (c as ConformanceCase & {report_verbose?: string | null}).report_verbose
    if (!expected) continue
    test(`${c.id} --verbose`, async () => {
      if (SYNTAX_ERROR_CASES.has(c.id)) {
        // The same deviation as above; --verbose adds nothing to a syntax error.
        return assertSyntaxError(c, await runCli([...manualArgs(c, `${conformanceDir}/${c.input}`), '--verbose']))
      }
      const outcome = await runManifests({op: 'inject', options: await caseOptions(c), args: [`${conformanceDir}/${c.input}`], action: 'print', verbose: true})
      assert.equal(outcome.stderr, readFileSync(`${conformanceDir}/${expected}`, 'utf8'))
      assert.equal(outcome.exitCode, c.exit_code)
    })
  }
})
