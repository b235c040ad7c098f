// Text for a person is shown, never obeyed. Names, labels, annotation values, metric labels and
// API messages are written by whoever runs pods in the cluster or wrote the manifest, and an
// escape sequence in one of them could retitle the window, clear the screen or hide a line
// (kubectl's CVE-2021-25743). Every human-facing write (BaseCommand's stderr and human stdout,
// the spinner) goes through terminalSafe(), which shows control characters in caret notation.
//
// meshport's own sequences (colour, cursor moves for --watch) are built with ownSequence(): a
// private marker and a key drawn at start-up that no outside text can know, which terminalSafe
// turns into the real sequence. So colour survives and nothing else gets through.
// The key only has to be unknown to text written before this process started (a manifest, a
// cluster object): Math.random, seeded per process, is enough, and node:crypto stays off the
// start-up path of inject's fast path. A private-use character, not ESC, leads the marker, so
// one that ever leaked raw would be a glyph, not a command.
const MARK = `\uE000${[0, 1, 2].map(() => Math.random().toString(36).slice(2, 12)).join('')}`
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g
const OWN_OR_CONTROL = new RegExp(`${MARK}(\\[[0-9;]*[A-Za-z])|${CONTROL.source}`, 'g')

/** A CSI sequence of meshport's own (`[31m`, `[2A`), kept by terminalSafe. */
export function ownSequence(csi: string): string {
  return `${MARK}${csi}`
}

/**
 * The visible form of one control character, as kubectl (`^[` for ESC, `\r` for CR) and `cat -v`
 * show them: C0 as `^@`..`^_`, DEL as `^?`, C1 (U+0080..U+009F) as `M-^@`..`M-^_`.
 */
export function visibleControl(char: string): string {
  const code = char.codePointAt(0) as number
  if (code === 0x0d) return '\\r'
  if (code === 0x7f) return '^?'
  if (code >= 0x80) return `M-^${String.fromCharCode(code - 0x40)}`
  return `^${String.fromCharCode(code + 0x40)}`
}

/** `text` with every control character but tab and newline escaped, and meshport's own sequences made real. */
export function terminalSafe(text: string): string {
  return text.replace(OWN_OR_CONTROL, (match, own: string | undefined) => (own === undefined ? visibleControl(match) : `\u001B${own}`))
}

/**
 * `text` with control characters escaped but meshport's own sequences still markers: for text
 * whose width is measured before it is written (table cells), where `^[` is two columns.
 */
export function showControls(text: string): string {
  return text.replace(CONTROL, visibleControl)
}

/** True when `text` holds a byte a terminal would act on (for tests and checks of output streams). */
export function hasControl(text: string): boolean {
  return new RegExp(CONTROL.source).test(text)
}
