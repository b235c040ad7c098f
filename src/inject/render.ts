// Renders values as YAML text for splicing into a document: scalars inline, collections as blocks
// at a given indentation, in the document's own sequence style.
import {stringify} from 'yaml'

export interface Style {
  /** Spaces per nesting level. */
  step: number
  /** True when block sequences are indented below their key (`key:\n  - a`), false for `key:\n- a`. */
  indentSeq: boolean
  /** The document is JSON (flow root): render JSON. */
  json: boolean
}

// YAML 1.1 readers (Go's yaml, hence kubectl) resolve these as booleans or null: always quote.
const YAML11_SPECIAL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~'])
const SAFE_PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/

/** A scalar (or an empty collection) as inline text. */
export function renderInline(value: unknown, style: Style): string {
  if (style.json) return JSON.stringify(value)
  if (typeof value === 'string') {
    if (SAFE_PLAIN.test(value) && !YAML11_SPECIAL.has(value)) return value
    return JSON.stringify(value)
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value)
  return stringify(value, {collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0}).trimEnd()
}

export function isInlineValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0
}

/** A mapping key as text. */
export function renderKey(key: string, style: Style): string {
  if (style.json) return JSON.stringify(key)
  return SAFE_PLAIN.test(key) && !YAML11_SPECIAL.has(key) ? key : JSON.stringify(key)
}

/** A collection as block lines, every line indented by `indent` spaces, ending with a newline. */
export function renderBlock(value: unknown, indent: number, style: Style): string {
  const text = stringify(value, {indent: style.step, indentSeq: style.indentSeq, lineWidth: 0, flowCollectionPadding: false})
  return indentLines(text, indent)
}

export function indentLines(text: string, indent: number): string {
  if (indent === 0) return text
  const pad = ' '.repeat(indent)
  return text.replace(/^(?=.)/gm, pad)
}

/** `key: value` (or `key:` plus a block) as lines at `indent`, ending with a newline. */
export function renderEntry(key: string, value: unknown, indent: number, style: Style): string {
  const pad = ' '.repeat(indent)
  const k = renderKey(key, style)
  if (isInlineValue(value)) return `${pad}${k}: ${renderInline(value, style)}\n`
  const childIndent = Array.isArray(value) && !style.indentSeq ? indent : indent + style.step
  return `${pad}${k}:\n${renderBlock(value, childIndent, style)}`
}

/** `- value` as lines with the dash at `indent`, ending with a newline. */
export function renderItem(value: unknown, indent: number, style: Style): string {
  const pad = ' '.repeat(indent)
  if (isInlineValue(value)) return `${pad}- ${renderInline(value, style)}\n`
  const body = renderBlock(value, 0, style)
  const lines = body.split('\n')
  const rest = lines.slice(1).map((line) => (line === '' ? line : ' '.repeat(indent + 2) + line))
  return `${pad}- ${lines[0]}\n${rest.join('\n')}`.replace(/\n*$/, '\n')
}
