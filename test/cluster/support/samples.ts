// A minimal reader of Prometheus sample lines for the simulator's own tests (the CLI's real
// parser is src/metrics/parse.ts; one test cross-checks the simulator's output with it).
export interface SampleLine {
  labels: Record<string, string>
  name: string
  value: number
}

export function samples(text: string): SampleLine[] {
  const out: SampleLine[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[m[1] as string] = m[2] as string
    out.push({labels, name: match[1] as string, value: Number(match[3])})
  }
  return out
}

/** Sum of the samples named `name` whose labels match every given label. */
export function sum(list: SampleLine[], name: string, match: Record<string, string> = {}, exclude: Record<string, string> = {}): number {
  return list
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v) && !Object.entries(exclude).some(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0)
}
