// Unified diff of an input before and after the transform. Only changed documents are compared
// (line offsets keep hunk positions file-relative), so a 50,000-document stream diffs quickly.
import type {StreamResult} from './stream.js'

function lines(text: string): string[] {
  if (text === '') return []
  const out = text.split('\n')
  if (out[out.length - 1] === '') out.pop()
  return out
}

/** Longest common subsequence table walk: the edit script between two small line arrays. */
function editScript(a: string[], b: string[]): Array<{op: ' ' | '-' | '+'; line: string}> {
  const n = a.length
  const m = b.length
  const dp: Uint32Array[] = Array.from({length: n + 1}, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!)
  }
  const script: Array<{op: ' ' | '-' | '+'; line: string}> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      script.push({op: ' ', line: a[i++]!})
      j++
    }
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) script.push({op: '-', line: a[i++]!})
    else script.push({op: '+', line: b[j++]!})
  }
  while (i < n) script.push({op: '-', line: a[i++]!})
  while (j < m) script.push({op: '+', line: b[j++]!})
  return script
}

const CONTEXT = 3

function hunks(a: string[], b: string[], aOffset: number, bOffset: number): string {
  const script = editScript(a, b)
  let out = ''
  let k = 0
  while (k < script.length) {
    if (script[k]!.op === ' ') {
      k++
      continue
    }
    // A hunk: from CONTEXT lines before the first change to CONTEXT lines after the last change
    // that is at most 2*CONTEXT unchanged lines from the next.
    let start = Math.max(0, k - CONTEXT)
    while (start < k && script[start]!.op !== ' ') start++
    let end = k
    let last = k
    while (end < script.length) {
      if (script[end]!.op !== ' ') last = end
      else if (end - last > 2 * CONTEXT) break
      end++
    }
    const stop = Math.min(script.length, last + 1 + CONTEXT)
    let aLine = aOffset
    let bLine = bOffset
    for (let x = 0; x < start; x++) {
      if (script[x]!.op !== '+') aLine++
      if (script[x]!.op !== '-') bLine++
    }
    const body = script.slice(start, stop)
    const aCount = body.filter((s) => s.op !== '+').length
    const bCount = body.filter((s) => s.op !== '-').length
    out += `@@ -${aCount === 0 ? aLine : aLine + 1},${aCount} +${bCount === 0 ? bLine : bLine + 1},${bCount} @@\n`
    for (const s of body) out += `${s.op}${s.line}\n`
    k = stop
  }
  return out
}

function lineCount(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** `--- a/<source>` / `+++ b/<source>` and the hunks of the changed documents, or '' when unchanged. */
export function unifiedDiff(result: StreamResult): string {
  if (!result.changed) return ''
  let body = ''
  let shift = 0
  for (const change of result.changes) {
    body += hunks(lines(change.original), lines(change.text), change.line, change.line + shift)
    shift += lineCount(change.text) - lineCount(change.original)
  }
  // Relative paths get git's a/ and b/ prefixes (so `git apply` and `patch -p1` take the diff).
  const name = result.source === '-' ? 'stdin' : result.source.replace(/^\.\//, '')
  const [a, b] = name.startsWith('/') || /^https?:/.test(name) ? [name, name] : [`a/${name}`, `b/${name}`]
  return `--- ${a}\n+++ ${b}\n${body}`
}
