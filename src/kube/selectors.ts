// Kubernetes label and field selectors, parsed and matched the way the API server does, for the
// in-memory clients (fake-kube, the simulated cluster) and for filtering already-listed objects.
import {UsageError} from '../errors.js'

export type LabelRequirement =
  | {key: string; op: '=' | '!='; value: string}
  | {key: string; op: 'in' | 'notin'; values: string[]}
  | {key: string; op: 'exists' | '!'}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` (also `==`). Throws UsageError on bad syntax. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = []
  let rest = text.trim()
  while (rest !== '') {
    let match = /^!\s*([A-Za-z0-9_./-]+)\s*(,|$)/.exec(rest)
    if (match) {
      reqs.push({key: match[1] as string, op: '!'})
    } else if ((match = /^([A-Za-z0-9_./-]+)\s+(in|notin)\s*\(([^)]*)\)\s*(,|$)/.exec(rest))) {
      const values = (match[3] as string).split(',').map((v) => v.trim()).filter((v) => v !== '')
      reqs.push({key: match[1] as string, op: match[2] as 'in' | 'notin', values})
    } else if ((match = /^([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*(,|$)/.exec(rest))) {
      reqs.push({key: match[1] as string, op: match[2] === '!=' ? '!=' : '=', value: match[3] as string})
    } else if ((match = /^([A-Za-z0-9_./-]+)\s*(,|$)/.exec(rest))) {
      reqs.push({key: match[1] as string, op: 'exists'})
    } else {
      throw new UsageError(`invalid label selector "${text}"`, {hint: 'use the kubectl syntax, e.g. app=web,tier!=db'})
    }
    rest = rest.slice(match[0].length).trim()
  }
  return reqs
}

export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined | null): boolean {
  const have = labels ?? {}
  return reqs.every((req) => {
    const present = Object.prototype.hasOwnProperty.call(have, req.key)
    const value = have[req.key]
    switch (req.op) {
      case '=':
        return present && value === req.value
      case '!=':
        return !present || value !== req.value
      case 'in':
        return present && req.values.includes(value as string)
      case 'notin':
        return !present || !req.values.includes(value as string)
      case 'exists':
        return present
      case '!':
        return !present
    }
    return false
  })
}

export interface FieldRequirement {
  negate: boolean
  path: string
  value: string
}

/** Parses `metadata.name=web,status.phase!=Running`. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const out: FieldRequirement[] = []
  for (const part of text.split(',')) {
    const trimmed = part.trim()
    if (trimmed === '') continue
    const match = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(trimmed)
    if (!match) throw new UsageError(`invalid field selector "${text}"`, {hint: 'use e.g. status.phase=Running'})
    out.push({negate: match[2] === '!=', path: match[1] as string, value: (match[3] as string).trim()})
  }
  return out
}

export function matchesFields(reqs: FieldRequirement[], object: unknown): boolean {
  return reqs.every((req) => {
    let cur: unknown = object
    for (const key of req.path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
    const text = cur instanceof Date ? cur.toISOString() : typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? String(cur) : ''
    return req.negate ? text !== req.value : text === req.value
  })
}

/** A metav1.LabelSelector as objects carry it (`podSelector`, `spec.selector`). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null
  matchExpressions?: Array<{key: string; operator: string; values?: string[] | null}> | null
}

/**
 * Whether labels satisfy a LabelSelector object, as the API machinery decides it: every
 * matchLabels pair and every expression must hold; an empty selector matches everything, and
 * an expression with an unknown operator matches nothing.
 */
export function matchesLabelSelector(selector: LabelSelectorObject | null | undefined, labels: Record<string, string> | undefined | null): boolean {
  const reqs: LabelRequirement[] = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => ({key, op: '=', value}))
  for (const e of selector?.matchExpressions ?? []) {
    const values = e.values ?? []
    if (e.operator === 'In') reqs.push({key: e.key, op: 'in', values})
    else if (e.operator === 'NotIn') reqs.push({key: e.key, op: 'notin', values})
    else if (e.operator === 'Exists') reqs.push({key: e.key, op: 'exists'})
    else if (e.operator === 'DoesNotExist') reqs.push({key: e.key, op: '!'})
    else return false
  }
  return matchesLabels(reqs, labels)
}
