// Word wrapping for a terminal of known width, so that nothing is split inside a word: a line too
// long is broken at spaces, a single token longer than the width after one of `| , /` (option
// lists, comma lists, paths), and only a token with none of those is cut. Continuation lines get a
// hanging indent. Widths are what the terminal shows: colour escapes count for nothing.

// eslint-disable-next-line no-control-regex -- SGR sequences take no room on screen
const ANSI = /\u001B\[[0-9;]*m/g

/** Columns `text` takes on a terminal (one per code point; escapes take none). */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length
}

/** Rows a line of text takes on a terminal `columns` wide, counting its wraps (an empty line is one). */
export function screenRows(line: string, columns: number): number {
  return Math.max(1, Math.ceil(visibleWidth(line) / Math.max(1, columns)))
}

/** Pieces of one token of at most `width` columns, cut after a separator where there is one. */
function splitToken(token: string, width: number): string[] {
  const pieces: string[] = []
  let rest = token
  while (visibleWidth(rest) > width) {
    const chars = [...rest]
    let cut = -1
    for (let i = Math.min(width, chars.length) - 1; i > 0; i--) {
      if ('|,/'.includes(chars[i] as string)) {
        cut = i + 1
        break
      }
    }
    if (cut <= 0) cut = width
    pieces.push(chars.slice(0, cut).join(''))
    rest = chars.slice(cut).join('')
  }
  if (rest !== '') pieces.push(rest)
  return pieces
}

export interface WrapOptions {
  /** Prefix of every continuation line; default: the line's own leading spaces. */
  hang?: string
  /** Appended to every line that continues on the next one (e.g. ` \` for a shell command). */
  continuation?: string
}

/** One line as the lines it takes at `width` columns; a line that fits is returned as it is. */
export function wrapLine(line: string, width: number, options: WrapOptions = {}): string[] {
  if (width <= 0 || visibleWidth(line) <= width) return [line]
  const lead = /^ */.exec(line)?.[0] ?? ''
  const hang = options.hang ?? lead
  const tail = options.continuation ?? ''
  const room = (prefix: string) => Math.max(1, width - visibleWidth(prefix) - visibleWidth(tail))
  const out: string[] = []
  let current = lead
  let empty = true
  // Runs of spaces are kept inside a line (tables) and dropped where a line breaks.
  for (const part of line.slice(lead.length).split(/( +)/)) {
    if (part === '') continue
    if (part.startsWith(' ')) {
      if (!empty) current += part
      continue
    }
    if (!empty && visibleWidth(current) + visibleWidth(part) > width - visibleWidth(tail)) {
      out.push(current.trimEnd() + tail)
      current = hang
      empty = true
    }
    const prefix = empty ? current : ''
    const pieces = visibleWidth(part) > room(prefix) ? splitToken(part, room(prefix)) : [part]
    pieces.forEach((piece, i) => {
      if (i > 0) {
        out.push(current + tail)
        current = hang
      }
      current += piece
    })
    empty = false
  }
  out.push(current.trimEnd())
  return out
}

/** Every line of `text` wrapped to `width`; lines that fit stay as they are. */
export function wrapText(text: string, width: number, options: (line: string) => WrapOptions = () => ({})): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width, options(line)))
    .join('\n')
}
