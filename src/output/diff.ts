// Colours a unified diff the way `git diff` does on a terminal: file headers bold, hunk headers
// cyan, removed lines red, added lines green. Hunk line counts decide what is a header, so a
// removed `---` line of a YAML stream is still a removed line.
import {paint} from './color.js'

const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/

export function colorDiff(diff: string): string {
  let oldLeft = 0
  let newLeft = 0
  const lines = diff.split('\n')
  return lines
    .map((line, i) => {
      if (i === lines.length - 1 && line === '') return line
      if (oldLeft > 0 || newLeft > 0) {
        const op = line[0]
        if (op !== '+') oldLeft--
        if (op !== '-') newLeft--
        return op === '-' ? paint.red(true, line) : op === '+' ? paint.green(true, line) : line
      }
      const hunk = HUNK.exec(line)
      if (hunk) {
        oldLeft = Number(hunk[1] ?? '1')
        newLeft = Number(hunk[2] ?? '1')
        return paint.cyan(true, line)
      }
      return line.startsWith('--- ') || line.startsWith('+++ ') ? paint.bold(true, line) : line
    })
    .join('\n')
}
