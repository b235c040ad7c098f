// The shape every diagnosis rule reports (ports rules here, pod rules in src/diagnose): a stable
// rule id usable with --only/--skip, a severity that drives the exit code, the object it is about,
// what is wrong and the one-line fix.

export type Severity = 'error' | 'warning' | 'info'

export const SEVERITY_ORDER: Record<Severity, number> = {error: 0, warning: 1, info: 2}

/** The object a problem is about, e.g. `pod/web-7d9 in emojivoto`, container `web`, port 3306. */
export interface ProblemSubject {
  kind: string
  name: string
  namespace?: string
  container?: string
  port?: number
  /** Where the object came from when it was read from a file (`web.yaml (document 2)`). */
  source?: string
}

export interface Problem {
  rule: string
  severity: Severity
  subject: ProblemSubject
  message: string
  fix: string
}

/** `pod/web-7d9 in emojivoto` or `deployment/web (web.yaml, document 2)`. */
export function describeSubject(subject: ProblemSubject): string {
  let text = `${subject.kind.toLowerCase()}/${subject.name}`
  if (subject.namespace) text += ` in ${subject.namespace}`
  if (subject.source) text += ` (${subject.source})`
  return text
}

export function worstSeverity(problems: readonly Problem[]): Severity | undefined {
  let worst: Severity | undefined
  for (const p of problems) if (worst === undefined || SEVERITY_ORDER[p.severity] < SEVERITY_ORDER[worst]) worst = p.severity
  return worst
}

export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      describeSubject(a.subject).localeCompare(describeSubject(b.subject)) ||
      (a.subject.port ?? 0) - (b.subject.port ?? 0) ||
      a.rule.localeCompare(b.rule),
  )
}
