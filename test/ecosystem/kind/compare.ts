// The comparisons of the real-cluster workflow (.github/workflows/e2e-kind.yml, docs/e2e-kind.md)
// between meshport and Linkerd's own CLI on the same cluster. Each prints what it compared, every
// disagreement and everything it could not compare, and exits 1 on a disagreement (2 on bad usage).
// Exit codes of the tools are arguments: the workflow captures them instead of letting a failing
// command stop the step before the disagreement is printed.
//
//   compare.ts check MESHPORT.json LINKERD.json --expect pass|fail --meshport-exit N --linkerd-exit N
//   compare.ts junit MESHPORT.xml MESHPORT.json --exit N --json-exit N
//   compare.ts stat MESHPORT.json LINKERD.json --window 60 --linkerd-at UNIX_SECONDS --meshport-exit N --linkerd-exit N
//                   [--presence-only NAMESPACE]
//   compare.ts stat-table MESHPORT.txt LINKERD.txt --meshport-exit N --linkerd-exit N
//   compare.ts stat-expect MESHPORT.json --exit N --traffic web,emoji,voting --no-traffic vote-bot --failures voting
//   compare.ts objects MESHPORT.yml LINKERD.yml --meshport-exit N --linkerd-exit N [--ignore-annotation NAME]
//   compare.ts sidecars PODS.json --expect native|none [--created-by PREFIX] [--min-pods N]
//   compare.ts diagnose REPORT.json --exit N --expect meshed|not-meshed [--rule ID] [--pod POD.json]
//                       [--control-plane-version V] [--linkerd-check LINKERD-CHECK.json]
//   compare.ts proxy-metrics MESHPORT.txt LINKERD.txt --meshport-exit N --linkerd-exit N
import {readFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'
import {parseArgs} from 'node:util'

import {judgeCheck, parseConcatenatedJson, type LinkerdCheckDoc, type MeshportCheckDoc} from './check.js'
import {renderComparison, type Comparison} from './comparison.js'
import {compareProxyMetrics, expectPodReport, type PodReport} from './diagnose.js'
import {checkSidecars, compareObjects} from './inject.js'
import {compareJUnit} from './junit.js'
import {compareStat, compareStatTables, expectStat, type LinkerdStatRow, type MeshportStatDoc} from './stat.js'

class UsageError extends Error {}

type Values = Record<string, string | string[] | undefined>

const OPTIONS = {
  expect: {type: 'string'},
  exit: {type: 'string'},
  'json-exit': {type: 'string'},
  'meshport-exit': {type: 'string'},
  'linkerd-exit': {type: 'string'},
  window: {type: 'string'},
  'linkerd-at': {type: 'string'},
  traffic: {type: 'string'},
  'no-traffic': {type: 'string'},
  failures: {type: 'string'},
  'ignore-annotation': {type: 'string', multiple: true},
  'presence-only': {type: 'string', multiple: true},
  'created-by': {type: 'string'},
  'min-pods': {type: 'string'},
  rule: {type: 'string'},
  pod: {type: 'string'},
  'control-plane-version': {type: 'string'},
  'linkerd-check': {type: 'string'},
} as const

function read(path: string | undefined, what: string): string {
  if (path === undefined) throw new UsageError(`missing ${what}`)
  return readFileSync(path, 'utf8')
}

function readJson<T>(path: string | undefined, what: string): T {
  const text = read(path, what)
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new UsageError(`${path}: not JSON (${(error as Error).message})`)
  }
}

function int(values: Values, name: string): number {
  const text = values[name]
  if (typeof text !== 'string' || !/^\d+$/.test(text)) throw new UsageError(`--${name} must be an exit code, got ${String(text)}`)
  return Number(text)
}

function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T {
  const v = values[name]
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`)
  return v as T
}

const list = (v: string | string[] | undefined): string[] => (typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [])

const COMMANDS: Record<string, (files: string[], values: Values) => Comparison> = {
  check: ([ours, theirs], v) =>
    judgeCheck({
      meshport: readJson<MeshportCheckDoc>(ours, 'MESHPORT.json'),
      linkerdDocs: parseConcatenatedJson(read(theirs, 'LINKERD.json')) as LinkerdCheckDoc[],
      expect: oneOf(v, 'expect', ['pass', 'fail'] as const),
      meshportExit: int(v, 'meshport-exit'),
      linkerdExit: int(v, 'linkerd-exit'),
    }),
  junit: ([xml, json], v) => compareJUnit(read(xml, 'MESHPORT.xml'), readJson(json, 'MESHPORT.json'), {junit: int(v, 'exit'), json: int(v, 'json-exit')}),
  stat: ([ours, theirs], v) => {
    const window = Number(v.window)
    if (!(window > 0)) throw new UsageError('--window must be the seconds both tools measured')
    const at = v['linkerd-at'] === undefined ? undefined : Number(v['linkerd-at'])
    return compareStat({
      meshport: readJson<MeshportStatDoc>(ours, 'MESHPORT.json'),
      linkerd: readJson<LinkerdStatRow[]>(theirs, 'LINKERD.json'),
      meshportExit: int(v, 'meshport-exit'),
      linkerdExit: int(v, 'linkerd-exit'),
      windowSeconds: window,
      presenceOnly: Array.isArray(v['presence-only']) ? v['presence-only'] : [],
      ...(at === undefined ? {} : {linkerdAt: at}),
    })
  },
  'stat-table': ([ours, theirs], v) => compareStatTables(read(ours, 'MESHPORT.txt'), read(theirs, 'LINKERD.txt'), int(v, 'meshport-exit'), int(v, 'linkerd-exit')),
  'stat-expect': ([ours], v) => expectStat(readJson<MeshportStatDoc>(ours, 'MESHPORT.json'), int(v, 'exit'), {traffic: list(v.traffic), noTraffic: list(v['no-traffic']), failures: list(v.failures)}),
  objects: ([ours, theirs], v) =>
    compareObjects({
      meshport: read(ours, 'MESHPORT.yml'),
      linkerd: read(theirs, 'LINKERD.yml'),
      meshportExit: int(v, 'meshport-exit'),
      linkerdExit: int(v, 'linkerd-exit'),
      ignoreAnnotations: Array.isArray(v['ignore-annotation']) ? v['ignore-annotation'] : [],
    }),
  sidecars: ([pods], v) =>
    checkSidecars(readJson(pods, 'PODS.json'), {
      expect: oneOf(v, 'expect', ['native', 'none'] as const),
      ...(typeof v['created-by'] === 'string' ? {createdBy: v['created-by']} : {}),
      ...(v['min-pods'] === undefined ? {} : {minPods: int(v, 'min-pods')}),
    }),
  diagnose: ([report], v) =>
    expectPodReport(readJson<PodReport>(report, 'REPORT.json'), {
      exit: int(v, 'exit'),
      expect: oneOf(v, 'expect', ['meshed', 'not-meshed'] as const),
      ...(typeof v.rule === 'string' ? {rule: v.rule} : {}),
      ...(typeof v.pod === 'string' ? {pod: readJson(v.pod, '--pod')} : {}),
      ...(typeof v['control-plane-version'] === 'string' ? {controlPlaneVersion: v['control-plane-version']} : {}),
      ...(typeof v['linkerd-check'] === 'string' ? {linkerdCheck: parseConcatenatedJson(read(v['linkerd-check'], '--linkerd-check')) as LinkerdCheckDoc[]} : {}),
    }),
  'proxy-metrics': ([ours, theirs], v) => compareProxyMetrics(read(ours, 'MESHPORT.txt'), read(theirs, 'LINKERD.txt'), int(v, 'meshport-exit'), int(v, 'linkerd-exit')),
}

/** The comparison and its arguments; a usage error for an unknown comparison or option. */
export function parseInvocation(argv: string[]): {what: string; files: string[]; values: Values} {
  let parsed: {values: Values; positionals: string[]}
  try {
    parsed = parseArgs({args: argv, options: OPTIONS, allowPositionals: true, strict: true})
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const [what, ...files] = parsed.positionals
  if (what === undefined || COMMANDS[what] === undefined) throw new UsageError(`unknown comparison ${what ?? '(none)'}; one of ${Object.keys(COMMANDS).join(', ')}`)
  return {what, files, values: parsed.values}
}

/** Runs one comparison; returns the exit code and what to print. */
export function runCompare(argv: string[]): {code: number; stdout: string; stderr: string} {
  try {
    const {what, files, values} = parseInvocation(argv)
    const result = COMMANDS[what]!(files, values)
    return {code: result.problems.length === 0 ? 0 : 1, stdout: renderComparison(result), stderr: ''}
  } catch (error) {
    const usage = error instanceof UsageError || (error as {code?: string}).code === 'ENOENT'
    return {code: usage ? 2 : 1, stdout: '', stderr: `compare: ${(error as Error).message}\n`}
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const {code, stdout, stderr} = runCompare(process.argv.slice(2))
  process.stdout.write(stdout)
  process.stderr.write(stderr)
  process.exitCode = code
}
