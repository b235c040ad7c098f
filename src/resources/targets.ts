// `TYPE`, `TYPE NAME...`, `TYPE/NAME...`, `TYPE/` and `all`, parsed with Linkerd's rules
// (linkerd/linkerd2 viz/pkg/util/util.go BuildResource(s)). Pure: errors are returned as messages
// for the command to raise.
import {kindByAlias} from './kinds.js'

export interface Target {
  /** Canonical kind name (`deployment`) or, when `custom`, the type as typed (lower case). */
  kind: string
  /** Undefined: every object of the kind. */
  name?: string
  custom: boolean
}

export type TargetParse = {ok: true; all: boolean; targets: Target[]} | {ok: false; error: string}

const TYPE_SYNTAX = /^[a-zA-Z][a-zA-Z0-9.-]*$/

export function parseTargets(args: readonly string[]): TargetParse {
  if (args.length === 0) return {error: 'a resource type is required, e.g. deploy, deploy/web or all', ok: false}
  if (args.includes('all')) {
    if (args.length > 1) return {error: "'all' can't be supplied alongside other resources", ok: false}
    return {all: true, ok: true, targets: []}
  }
  const targets: Target[] = []
  const first = args[0] as string
  if (args.length > 1 && !first.includes('/')) {
    // `deploy web vote`: the rest are names of the first type.
    const type = resolveType(first)
    if (typeof type === 'string') return {error: type, ok: false}
    for (const name of args.slice(1)) {
      if (name.includes('/')) return {error: `"${name}" is not a name of type ${first}: mix TYPE/NAME forms only with other TYPE/NAME forms`, ok: false}
      targets.push({...type, name})
    }
  } else {
    for (const arg of args) {
      const parts = arg.split('/')
      if (parts.length > 2) return {error: `Invalid resource string: ${arg}`, ok: false}
      const type = resolveType(parts[0] as string)
      if (typeof type === 'string') return {error: type, ok: false}
      const name = parts[1]
      targets.push(name ? {...type, name} : type)
    }
  }
  const seen = new Set<string>()
  for (const t of targets) {
    const key = `${t.kind}/${t.name ?? ''}`
    if (seen.has(key)) return {error: 'cannot supply duplicate resources', ok: false}
    seen.add(key)
  }
  return {all: false, ok: true, targets}
}

function resolveType(text: string): Omit<Target, 'name'> | string {
  if (text === '') return 'a resource type is required before "/"'
  const known = kindByAlias(text)
  if (known) return {custom: false, kind: known.name}
  if (!TYPE_SYNTAX.test(text)) return `invalid resource type "${text}"`
  return {custom: true, kind: text.toLowerCase()}
}
