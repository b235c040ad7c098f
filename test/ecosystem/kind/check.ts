// `meshport check -o json` against `linkerd check -o json`, as the real-cluster workflow runs them.
//
// Linkerd prints one JSON document per runner: its own checks first, then one per installed
// extension (`linkerd viz check`'s, ...), each with its own `success`. meshport prints one document
// that also holds the extensions' categories (linkerd-viz, linkerd-multicluster, ...). They are
// matched by category name (meshport's `name`, Linkerd's `categoryName`, whichever of Linkerd's
// documents holds it) and, inside a category,
// check by check on the description both print. A check fails on `error` (meshport also on
// `timeout`); warnings that differ are notes, not failures, because some warnings mean different
// things (Linkerd's "up-to-date" checks compare with the latest release, meshport's with the
// control plane). Everything only one side has is listed as not compared.
import {comparison, exitProblems, type Comparison} from './comparison.js'

export interface LinkerdCheckDoc {
  success: boolean
  /** Go marshals an empty list as null. */
  categories: Array<{categoryName: string; checks: Array<{description: string; result: string; error?: string}>}> | null
}

export interface MeshportCheckDoc {
  success: boolean
  categories: Array<{id: string; name?: string; checks: Array<{id: string; description: string; result: string; error?: string}>}>
}

/** `linkerd check -o json` writes several objects back to back; JSON.parse takes one. */
export function parseConcatenatedJson(text: string): unknown[] {
  const docs: unknown[] = []
  let depth = 0
  let start = -1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i
      depth++
    } else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)))
    }
  }
  if (depth !== 0) throw new Error('unterminated JSON document')
  return docs
}

const meshportFails = (result: string): boolean => result === 'error' || result === 'timeout'
const linkerdFails = (result: string): boolean => result === 'error'

/** Agreement per category and per shared check, over all of Linkerd's documents. */
export function compareCheck(meshport: MeshportCheckDoc, linkerdDocs: LinkerdCheckDoc[]): Comparison {
  const problems: string[] = []
  const notCompared: string[] = []
  const notes: string[] = []
  if (linkerdDocs.length === 0) return comparison('check: linkerd printed no JSON document', ['linkerd printed no JSON document'])
  const theirs = new Map(linkerdDocs.flatMap((doc) => doc.categories ?? []).map((c) => [c.categoryName, c.checks]))
  const linkerdSuccess = linkerdDocs.every((d) => d.success)
  const ours = new Set<string>()
  let sharedCategories = 0
  let comparedChecks = 0
  for (const category of meshport.categories) {
    const name = category.name
    if (name === undefined) {
      problems.push(`meshport category ${category.id} has no name: the JSON is not meshport's current schema`)
      continue
    }
    ours.add(name)
    const linkerdChecks = theirs.get(name)
    if (linkerdChecks === undefined) {
      notCompared.push(`category ${name}: only meshport runs it (${category.checks.length} checks)`)
      continue
    }
    sharedCategories++
    const byDescription = new Map(linkerdChecks.map((c) => [c.description, c]))
    const matched = new Set<string>()
    let checkProblem = false
    for (const check of category.checks) {
      const linkerd = byDescription.get(check.description)
      if (linkerd === undefined) {
        notCompared.push(`${name} / "${check.description}": only meshport runs it (${check.result})`)
        continue
      }
      matched.add(check.description)
      if (check.result === 'skipped') {
        notCompared.push(`${name} / "${check.description}": meshport skipped it (${check.error ?? 'no reason'}), linkerd says ${linkerd.result}`)
        continue
      }
      comparedChecks++
      if (meshportFails(check.result) !== linkerdFails(linkerd.result)) {
        checkProblem = true
        problems.push(`${name} / "${check.description}": meshport ${check.result}${check.error ? ` (${check.error})` : ''}, linkerd ${linkerd.result}${linkerd.error ? ` (${linkerd.error})` : ''}`)
      } else if (check.result !== linkerd.result) {
        notes.push(`${name} / "${check.description}": meshport ${check.result}, linkerd ${linkerd.result}`)
      }
    }
    for (const linkerd of linkerdChecks) {
      if (!matched.has(linkerd.description)) notCompared.push(`${name} / "${linkerd.description}": only linkerd runs it (${linkerd.result})`)
    }
    // Checks only one side runs still count for the category's verdict.
    const oursFailing = category.checks.some((c) => meshportFails(c.result))
    const theirsFailing = linkerdChecks.some((c) => linkerdFails(c.result))
    if (oursFailing !== theirsFailing && !checkProblem) problems.push(`category ${name}: meshport failing=${oursFailing}, linkerd failing=${theirsFailing}`)
  }
  for (const [name, checks] of theirs) {
    if (!ours.has(name)) notCompared.push(`category ${name}: only linkerd runs it (${checks.length} checks)`)
  }
  if (sharedCategories === 0) problems.push('no category in common: the outputs are not comparable')
  if (meshport.success !== linkerdSuccess) problems.push(`overall: meshport success=${meshport.success}, linkerd success=${linkerdSuccess} (all its documents, extensions included)`)
  return comparison(`check: ${sharedCategories} categories and ${comparedChecks} checks compared; meshport success=${meshport.success}, linkerd success=${linkerdSuccess}`, problems, notCompared, notes)
}

export interface CheckRun {
  meshport: MeshportCheckDoc
  linkerdDocs: LinkerdCheckDoc[]
  meshportExit: number
  linkerdExit: number
  /** `pass`: a healthy cluster, both exit 0; `fail`: a broken one, both exit 1 and fail the same checks. */
  expect: 'pass' | 'fail'
}

/** The names of the failing checks, `category / "description"`. */
function failing(categories: Array<{name: string; checks: Array<{description: string; result: string}>}>, fails: (r: string) => boolean): string[] {
  return categories.flatMap((c) => c.checks.filter((check) => fails(check.result)).map((check) => `${c.name} / "${check.description}"`))
}

/** compareCheck plus the exit codes and the outcome the scenario expects. */
export function judgeCheck(run: CheckRun): Comparison {
  const result = compareCheck(run.meshport, run.linkerdDocs)
  const problems = [...result.problems]
  const expectedExit = run.expect === 'pass' ? 0 : 1
  problems.push(...exitProblems('meshport check', run.meshportExit, expectedExit), ...exitProblems('linkerd check', run.linkerdExit, expectedExit))
  // Each tool's exit code must say what its JSON says.
  if ((run.meshportExit === 0) !== run.meshport.success) problems.push(`meshport exited ${run.meshportExit} but its JSON says success=${run.meshport.success}`)
  const linkerdSuccess = run.linkerdDocs.length > 0 && run.linkerdDocs.every((d) => d.success)
  if ((run.linkerdExit === 0) !== linkerdSuccess) problems.push(`linkerd exited ${run.linkerdExit} but its JSON documents say success=${linkerdSuccess}`)

  const ours = failing(run.meshport.categories.map((c) => ({name: c.name ?? c.id, checks: c.checks})), meshportFails)
  const theirs = failing(run.linkerdDocs.flatMap((d) => d.categories ?? []).map((c) => ({name: c.categoryName, checks: c.checks})), linkerdFails)
  if (run.expect === 'fail') {
    if (ours.length === 0) problems.push('meshport reports no failing check in a broken cluster')
    if (theirs.length === 0) problems.push('linkerd reports no failing check in a broken cluster')
    if (ours.length > 0 && theirs.length > 0 && !ours.some((c) => theirs.includes(c))) problems.push(`no failing check in common: meshport ${ours.join(', ')}; linkerd ${theirs.join(', ')}`)
  }
  const summary = `${result.summary}; exit meshport=${run.meshportExit} linkerd=${run.linkerdExit} (expected ${expectedExit})${ours.length + theirs.length > 0 ? `; failing: meshport [${ours.join(', ')}], linkerd [${theirs.join(', ')}]` : ''}`
  return {...result, summary, problems}
}
