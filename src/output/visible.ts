// Text a cluster or a saved report controls is printed with its control characters made visible
// (`\u001b`), so it cannot move the cursor, recolour or retitle the terminal. Newline and tab
// stay: multi-line errors are indented line by line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g

export function visibleControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
