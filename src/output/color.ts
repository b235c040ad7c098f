// Colour only where a person reads it: a TTY, NO_COLOR unset, unless forced with --color.
// The SGR sequences are meshport's own (terminal.ts): they become real when written through
// terminalSafe, which escapes any that came from outside.
import {ownSequence} from './terminal.js'

export type ColorMode = 'always' | 'auto' | 'never'

export function colorEnabled(mode: ColorMode, stream: {isTTY?: boolean} = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode === 'always') return true
  if (mode === 'never') return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stream.isTTY === true
}

const wrap = (open: number, close: number) => (enabled: boolean, text: string) =>
  enabled ? `${ownSequence(`[${open}m`)}${text}${ownSequence(`[${close}m`)}` : text

export const paint = {
  bold: wrap(1, 22),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
}
