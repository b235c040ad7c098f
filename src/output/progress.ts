// What a command is doing while the user waits: one spinner line on stderr, redrawn in place.
// Only on a terminal that reports its width (ora redraws endlessly without one) and not under CI;
// anywhere else progress is silent, so logs and pipes stay clean. stdout is never touched.
import {colorEnabled, type ColorMode} from './color.js'
import {terminalSafe} from './terminal.js'
import {visibleWidth} from './wrap.js'

export interface Progress {
  /** Shows `text` now, in place of what was shown. */
  show(text: string): void
  /** Shows `text()` now and again every second (a countdown). */
  tick(text: () => string): void
  stop(): void
  /** Steps aside (true) while something else writes to the terminal, e.g. an exec plugin's prompt, then comes back (false). */
  pause(paused: boolean): void
}

const silent: Progress = {pause() {}, show() {}, tick() {}, stop() {}}

export interface ProgressOptions {
  /** False where the output is for a program (JSON, JUnit) or is itself redrawn (--watch). */
  enabled: boolean
  color: ColorMode
  stream?: NodeJS.WriteStream
  env?: NodeJS.ProcessEnv
}

export function showsProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (stream.columns ?? 0) > 0 && !env.CI
}

/** A spinner when one can be drawn, else a Progress that does nothing. ora is loaded only then. */
export async function startProgress(options: ProgressOptions): Promise<Progress> {
  const stream = options.stream ?? process.stderr
  const env = options.env ?? process.env
  if (!options.enabled || !showsProgress(stream, env)) return silent
  const {default: ora} = await import('ora')
  const spinner = ora({color: colorEnabled(options.color, stream, env) ? 'cyan' : false, discardStdin: false, stream})
  let ticker: NodeJS.Timeout | undefined
  let paused = false
  let resume = false
  let last = ''
  // Progress text names pods and quotes errors: it is shown, never obeyed, like every other line.
  // One row, always: a line that wraps leaves its head behind on every redraw (the width is read
  // at each draw, so a resized terminal is followed).
  const draw = (raw: string) => {
    last = fitLine(terminalSafe(raw), (stream.columns ?? 80) - 3)
    if (paused) return
    if (spinner.isSpinning) spinner.text = last
    else spinner.start(last)
  }
  return {
    pause(on) {
      if (on === paused) return
      paused = on
      if (on) {
        resume = spinner.isSpinning
        spinner.stop()
      } else if (resume) {
        spinner.start(last)
      }
    },
    show(text) {
      clearInterval(ticker)
      draw(text)
    },
    tick(text) {
      clearInterval(ticker)
      draw(text())
      ticker = setInterval(() => draw(text()), 1000)
      ticker.unref()
    },
    stop() {
      clearInterval(ticker)
      resume = false
      spinner.stop()
    },
  }
}

/** The first line of `text`, cut to `width` columns with an ellipsis. */
export function fitLine(text: string, width: number): string {
  const line = text.split('\n', 1)[0] ?? ''
  if (visibleWidth(line) <= width) return line
  return `${[...line].slice(0, Math.max(0, width - 1)).join('')}…`
}
