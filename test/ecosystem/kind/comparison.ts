// What every comparison of the real-cluster workflow returns, and the exit-code rules they share.
// A comparison fails on `problems` only; `notCompared` says out loud what it could not compare (a
// category only one tool has, a check meshport skipped), so nothing is dropped silently.

export interface Comparison {
  /** One line: what was compared, with the headline numbers. */
  summary: string
  /** Disagreements and broken expectations: any of them fails the step. */
  problems: string[]
  /** What only one side has, or what cannot be compared, and why. */
  notCompared: string[]
  /** Differences that do not fail (e.g. a warning on one side only). */
  notes: string[]
}

export function comparison(summary: string, problems: string[] = [], notCompared: string[] = [], notes: string[] = []): Comparison {
  return {summary, problems, notCompared, notes}
}

/** Problems when a tool did not exit with the code the scenario expects. */
export function exitProblems(tool: string, got: number, expected: number): string[] {
  return got === expected ? [] : [`${tool} exited ${got}, expected ${expected}`]
}

/** The lines the CLI prints for one comparison. */
export function renderComparison(c: Comparison): string {
  const lines = [c.summary]
  for (const p of c.problems) lines.push(`  DISAGREE ${p}`)
  for (const n of c.notCompared) lines.push(`  NOT COMPARED ${n}`)
  for (const n of c.notes) lines.push(`  NOTE ${n}`)
  return `${lines.join('\n')}\n`
}
