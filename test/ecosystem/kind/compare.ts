// Compares meshport's JSON with Linkerd's own on a real cluster (.github/workflows/e2e-kind.yml):
//   node --import tsx compare.ts check    meshport-check.json    linkerd-check.json
//   node --import tsx compare.ts stat     meshport-stat.json     linkerd-stat.json
//   node --import tsx compare.ts diagnose meshport-diagnose.json linkerd-check-proxy.json
// Prints one line per comparison and exits 1 when they disagree. The functions are exported so
// test/ecosystem/kind-compare.test.ts checks them on recorded shapes of both tools' output.
import {readFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'

/** `linkerd check -o json` prints one object per runner (core, then each extension), concatenated. */
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
  return docs
}

interface Comparison {
  problems: string[]
  summary: string
}

interface LinkerdCheck {
  success: boolean
  categories?: Array<{categoryName: string; checks: Array<{result: string}>}>
}

interface MeshportCheck {
  success: boolean
  categories?: Array<{id: string; checks: Array<{result: string}>}>
}

interface StatRow {
  namespace: string
  kind: string
  name: string
  success: number | null
  rps: number | null
}

interface PodReport {
  kind: string
  pod?: {name: string; namespace: string}
  mesh?: {meshed: boolean; reason?: string}
  counts?: {error: number}
  problems?: Array<{rule: string}>
}

/** Both say the checks passed (or both that they did not), and agree per shared category. */
export function compareCheck(meshport: MeshportCheck, linkerdDocs: LinkerdCheck[]): Comparison {
  const problems: string[] = []
  const linkerdSuccess = linkerdDocs.every((d) => d.success === true)
  if (meshport.success !== linkerdSuccess) problems.push(`overall: meshport success=${meshport.success}, linkerd success=${linkerdSuccess}`)
  const linkerdFailing = new Map<string, boolean>()
  for (const doc of linkerdDocs) for (const cat of doc.categories ?? []) linkerdFailing.set(cat.categoryName, cat.checks.some((c) => c.result === 'error'))
  let shared = 0
  for (const cat of meshport.categories ?? []) {
    if (!linkerdFailing.has(cat.id)) continue
    shared++
    const ours = cat.checks.some((c) => c.result === 'error' || c.result === 'timeout')
    if (ours !== linkerdFailing.get(cat.id)) problems.push(`category ${cat.id}: meshport failing=${ours}, linkerd failing=${linkerdFailing.get(cat.id)}`)
  }
  if (shared === 0) problems.push('no category in common: the outputs are not comparable')
  return {problems, summary: `check: ${shared} categories compared, meshport success=${meshport.success}, linkerd success=${linkerdSuccess}`}
}

/**
 * Same workloads; per workload both have traffic or neither; success within `successTolerance`
 * (absolute) and RPS within `rpsTolerance` (relative): the two measure different windows.
 */
export function compareStat(meshport: {rows: StatRow[]}, linkerdRows: StatRow[], {successTolerance = 0.1, rpsTolerance = 0.5} = {}): Comparison {
  const problems: string[] = []
  const key = (r: StatRow): string => `${r.namespace}/${r.kind}/${r.name}`
  const ours = new Map(meshport.rows.map((r) => [key(r), r]))
  const theirs = new Map(linkerdRows.map((r) => [key(r), r]))
  for (const k of theirs.keys()) if (!ours.has(k)) problems.push(`${k}: in linkerd viz stat, missing from meshport`)
  for (const k of ours.keys()) if (!theirs.has(k)) problems.push(`${k}: in meshport, missing from linkerd viz stat`)
  for (const [k, l] of theirs) {
    const m = ours.get(k)
    if (m === undefined) continue
    if ((l.success === null) !== (m.success === null)) {
      problems.push(`${k}: success meshport=${m.success} linkerd=${l.success} (one has no traffic)`)
      continue
    }
    if (l.success !== null && m.success !== null && Math.abs(l.success - m.success) > successTolerance) problems.push(`${k}: success meshport=${m.success.toFixed(3)} linkerd=${l.success.toFixed(3)}`)
    if (l.rps !== null && m.rps !== null && Math.abs(l.rps - m.rps) > rpsTolerance * Math.max(l.rps, m.rps, 0.1)) problems.push(`${k}: rps meshport=${m.rps.toFixed(2)} linkerd=${l.rps.toFixed(2)}`)
  }
  return {problems, summary: `stat: ${theirs.size} linkerd rows, ${ours.size} meshport rows`}
}

/** diagnose pod finds a meshed, healthy pod exactly when linkerd check --proxy passes. */
export function compareDiagnose(report: PodReport, linkerdDocs: LinkerdCheck[]): Comparison {
  const problems: string[] = []
  const linkerdHealthy = linkerdDocs.every((d) => d.success === true)
  const ours = report.kind === 'PodReport' && report.mesh?.meshed === true && (report.counts?.error ?? 1) === 0
  if (!report.mesh?.meshed) problems.push(`pod ${report.pod?.namespace}/${report.pod?.name}: meshport says not meshed (${report.mesh?.reason ?? 'no reason'})`)
  if (ours !== linkerdHealthy) problems.push(`diagnose healthy=${ours}, linkerd check --proxy success=${linkerdHealthy}: ${(report.problems ?? []).map((p) => p.rule).join(', ')}`)
  return {problems, summary: `diagnose: pod ${report.pod?.namespace}/${report.pod?.name} meshed=${report.mesh?.meshed} errors=${report.counts?.error}`}
}

function main(argv: string[]): number {
  const [what, oursPath, theirsPath] = argv
  const comparers: Record<string, (ours: string, theirs: string) => Comparison> = {
    check: (o, t) => compareCheck(JSON.parse(o) as MeshportCheck, parseConcatenatedJson(t) as LinkerdCheck[]),
    stat: (o, t) => compareStat(JSON.parse(o) as {rows: StatRow[]}, JSON.parse(t) as StatRow[]),
    diagnose: (o, t) => compareDiagnose(JSON.parse(o) as PodReport, parseConcatenatedJson(t) as LinkerdCheck[]),
  }
  const compare = what === undefined ? undefined : comparers[what]
  if (compare === undefined || oursPath === undefined || theirsPath === undefined) {
    console.error('usage: compare.mjs check|stat|diagnose MESHPORT.json LINKERD.json')
    return 2
  }
  const {problems, summary} = compare(readFileSync(oursPath, 'utf8'), readFileSync(theirsPath, 'utf8'))
  console.log(summary)
  for (const p of problems) console.log(`  DISAGREE ${p}`)
  return problems.length === 0 ? 0 : 1
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)))
