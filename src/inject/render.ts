// Renders values as YAML text for splicing into a document: scalars inline, collections as blocks
// at a given indentation, in the document's own sequence style.
import {yaml} from '../util/yaml.js'

export interface Style {
  /** Spaces per nesting level. */
  step: number
  /** True when block sequences are indented below their key (`key:\n  - a`), false for `key:\n- a`. */
  indentSeq: boolean
  /** The document is JSON (flow root): render JSON. */
  json: boolean
  /** JSON written without spaces after `:` and `,`. */
  compact?: boolean
}

// YAML 1.1 readers (Go's yaml, hence kubectl) resolve these as booleans or null: always quote.
const YAML11_SPECIAL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~'])
const SAFE_PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.,/=@+-]*$/
// Read as numbers by YAML 1.1 (Go) or 1.2 readers: `80`, `0.5`, `1e3`, `0x1F`, `0o17`, `0b11`, `1_000`.
const NUMBER_LIKE = /^[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF|nan|NaN|NAN))$/

/** Can this string be written without quotes and read back as the same string everywhere? */
function plainSafe(value: string): boolean {
  return SAFE_PLAIN.test(value) && !YAML11_SPECIAL.has(value) && !NUMBER_LIKE.test(value)
}

/** A scalar (or an empty collection) as inline text. */
export function renderInline(value: unknown, style: Style): string {
  if (style.json) return JSON.stringify(value)
  // Double quotes otherwise, as kubectl and Linkerd write them (`"8080"`, `"true"`).
  if (typeof value === 'string') return plainSafe(value) ? value : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value)
  return flowValue(value)
}

/**
 * A collection in flow style on one line (`{a: 1, b: [x, y]}`). Strings that are not plain-safe,
 * or hold a comma (a flow indicator), are written as JSON strings: valid YAML double-quoted
 * scalars that never break the line, whatever they contain.
 */
function flowValue(value: unknown): string {
  if (typeof value === 'string') return plainSafe(value) && !value.includes(',') ? value : JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(flowValue).join(', ')}]`
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${flowValue(k)}: ${flowValue(v)}`).join(', ')}}`
  return JSON.stringify(value) ?? 'null'
}

export function isInlineValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0
}

/** A mapping key as text. */
export function renderKey(key: string, style: Style): string {
  if (style.json) return JSON.stringify(key)
  return plainSafe(key) ? key : JSON.stringify(key)
}

// Rendered text by value object and layout: `--manual` inserts the same shared container objects
// into thousands of pods, so each (object, indentation, style) is rendered once. Only frozen
// values are cached (they cannot change under the cache); one-off values (annotate mode's maps)
// cost nothing extra.
const RENDERED = new WeakMap<object, Map<string, string>>()

function cached(value: unknown, kind: string, indent: number, style: Style, render: () => string): string {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return render()
  const key = `${kind}${indent}:${style.step}:${style.indentSeq ? 1 : 0}${style.json ? 1 : 0}${style.compact ? 1 : 0}`
  let byLayout = RENDERED.get(value)
  if (byLayout === undefined) RENDERED.set(value, (byLayout = new Map()))
  let text = byLayout.get(key)
  if (text === undefined) {
    text = render()
    // Flat once here, rather than a concatenation tree flattened again by every reader.
    if (text.length > 0) text.charCodeAt(0)
    byLayout.set(key, text)
  }
  return text
}

/** A collection as block lines, every line indented by `indent` spaces, ending with a newline. */
export function renderBlock(value: unknown, indent: number, style: Style): string {
  return cached(value, 'b', indent, style, () => renderBlockUncached(value, indent, style))
}

function renderBlockUncached(value: unknown, indent: number, style: Style): string {
  const own = blockLines(value, indent, style)
  if (own !== undefined) return own
  // Strings our renderer does not write as blocks (leading spaces, trailing spaces, ...): yaml does.
  const text = yaml().stringify(value, {indent: style.step, indentSeq: style.indentSeq, lineWidth: 0, flowCollectionPadding: false})
  return indentLines(text, indent)
}

/** Our own block rendering (much cheaper than building a yaml Document); undefined when unsure. */
function blockLines(value: unknown, indent: number, style: Style): string | undefined {
  const pad = ' '.repeat(indent)
  let out = ''
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isInlineValue(item) && !isMultiline(item)) {
        out += `${pad}- ${renderInline(item, style)}\n`
        continue
      }
      const body = isMultiline(item) ? undefined : blockLines(item, indent + 2, style)
      if (body === undefined) return undefined
      out += `${pad}- ${body.slice(indent + 2)}`
    }
    return out
  }
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const k = renderKey(key, style)
    if (isMultiline(v)) {
      const block = literalBlock(v as string, indent + style.step)
      if (block === undefined) return undefined
      out += `${pad}${k}: ${block}`
    } else if (isInlineValue(v)) {
      out += `${pad}${k}: ${renderInline(v, style)}\n`
    } else {
      const childIndent = Array.isArray(v) && !style.indentSeq ? indent : indent + style.step
      const body = blockLines(v, childIndent, style)
      if (body === undefined) return undefined
      out += `${pad}${k}:\n${body}`
    }
  }
  return out
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 32 && c !== 10 && c !== 9) || c === 127) return true
  }
  return false
}

function isMultiline(value: unknown): boolean {
  return typeof value === 'string' && value.includes('\n')
}

/** `|` / `|-` literal block for a multi-line string, or undefined when it needs yaml's care. */
function literalBlock(text: string, indent: number): string | undefined {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  if (body.endsWith('\n') || /^[ \t]/.test(body) || /[ \t]$/m.test(body) || hasControl(body)) return undefined
  const pad = ' '.repeat(indent)
  const lines = body.split('\n').map((line) => (line === '' ? '' : pad + line))
  return `${text.endsWith('\n') ? '|' : '|-'}\n${lines.join('\n')}\n`
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
  return cached(value, 'i', indent, style, () => renderBlockUncached([value], indent, style))
}

/** A value on one line: JSON in JSON documents (spaced like them), else YAML flow style. */
export function renderInlineAny(value: unknown, style: Style): string {
  if (style.json) return style.compact ? JSON.stringify(value) : spacedJson(value)
  return renderInline(value, style)
}

/** One-line JSON with a space after `:` and `,`, like the document around it. */
function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`).join(', ')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
