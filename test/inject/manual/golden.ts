// Helpers shared by the manual-mode tests: the conformance cases, their base values, and the
// comparison rule for Linkerd's goldens.
import {readFileSync} from 'node:fs'
import {parseAllDocuments} from 'yaml'
import {chartDefaults, loadValuesFile, mergeValues, setValue, type ChartValues} from '../../../src/mesh/values.js'
import {linkerd2Testdata, repoRoot} from '../../helpers/testdata.js'

export interface ConformanceCase {
  id: string
  input: string
  golden: string | null
  report: string
  mode: 'annotate' | 'manual' | 'uninject'
  flags: {[flag: string]: string | boolean}
  flags_exact: boolean
  values: {[path: string]: unknown}
  base: string
  exit_code: number
  notes: string
}

export const conformanceDir = linkerd2Testdata('inject')

export function loadCases(): ConformanceCase[] {
  return JSON.parse(readFileSync(`${conformanceDir}/cases.json`, 'utf8')) as ConformanceCase[]
}

export function baseValuesFile(base: string): string {
  return `${repoRoot}/test/fixtures/inject/values-${base}.yaml`
}

/** The command line of a manual case. */
export function manualArgs(c: ConformanceCase, input: string): string[] {
  const args = ['inject', input, '--values', baseValuesFile(c.base)]
  for (const [flag, value] of Object.entries(c.flags)) {
    if (!c.flags_exact && flag !== '--manual' && flag !== '--enable-debug-sidecar') continue
    if (value === true) args.push(flag)
    else args.push(flag, String(value))
  }
  if (!c.flags_exact) for (const [path, value] of Object.entries(c.values)) args.push('--set', `${path}=${JSON.stringify(value)}`)
  return args
}

/** The base values of a case, and the values of its run (base + the case's values, replaced by path). */
export function caseValues(c: ConformanceCase): {base: ChartValues; run: ChartValues} {
  const base = mergeValues(chartDefaults(), loadValuesFile(baseValuesFile(c.base)))
  const run = structuredClone(base)
  for (const [path, value] of Object.entries(c.values)) setValue(run, path, structuredClone(value))
  return {base, run}
}

export function readDocs(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as unknown)
}

/**
 * Linkerd re-serialises every document through Go structs, which drops nulls and empty maps
 * (`creationTimestamp: null`, `resources: {}`, `status: {}`) and plain `false` booleans such as
 * `hostNetwork: false`; an empty `emptyDir: {}` is data.
 * Both sides of a comparison go through this.
 */
// PodSpec booleans that Go's `omitempty` drops when false (pointer fields like `privileged` stay).
const GO_OMITTED_FALSE = new Set(['hostNetwork', 'hostPID', 'hostIPC', 'stdin', 'stdinOnce', 'tty'])

export function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v))
  if (typeof value !== 'object' || value === null) return value
  const out: {[key: string]: unknown} = {}
  for (const [k, v] of Object.entries(value)) {
    const n = normalise(v, k)
    if (n === null || n === undefined) continue
    if (n === false && GO_OMITTED_FALSE.has(k)) continue
    if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0 && k !== 'emptyDir') continue
    out[k] = n
  }
  return key !== '' && Object.keys(out).length === 0 && key !== 'emptyDir' ? undefined : out
}

/** Linkerd's created-by value in the goldens, and ours. */
export const GOLDEN_CREATED_BY = 'linkerd/cli dev-undefined'
