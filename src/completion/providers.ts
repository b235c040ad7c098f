// Values that oclif's flag table cannot know: the resource types `viz stat` and `diagnose` take,
// the names of a type after `deploy/` or `deploy `, namespaces, pods and kubeconfig contexts (read
// from the cluster, see ClusterNames), and the check and category ids of `check --only/--skip`.
// Keyed by command id and flag name; flags every cluster command shares are in COMMON_FLAGS.
import {kindByAlias, KINDS, SERVICE_ALIASES} from '../resources/kinds.js'
import type {CompletionContext} from './complete.js'

type Provider = (context: CompletionContext) => readonly string[] | Promise<readonly string[]>

export interface Providers {
  /** Values of positional arguments (the last entry repeats). */
  args?: readonly Provider[]
  flags?: Readonly<Record<string, Provider>>
  /** Flags whose value is a comma-separated list. */
  lists?: readonly string[]
  /** Positional arguments are files, directories or URLs. */
  fileArgs?: boolean
}

export function resourceTypes(): string[] {
  return ['all', ...KINDS.flatMap((k) => k.aliases)]
}

/** Every category id, alias and `category.check` id, in run order. */
export async function checkIds(): Promise<string[]> {
  // Loaded only when check ids are being completed: the registry pulls in every check.
  const [{allCategories}, {knownIds}] = await Promise.all([import('../checks/registry.js'), import('../checks/select.js')])
  return [...knownIds(allCategories())]
}

const targetTypes = (): string[] => resourceTypes().filter((t) => t !== 'all')

/** The canonical kind a typed type names (`deploy` → deployment, `svc` → service). */
function kindOf(type: string): string | undefined {
  if (SERVICE_ALIASES.includes(type.toLowerCase())) return 'service'
  return kindByAlias(type)?.name
}

/** `TYPE/NAME` once a `/` is typed (`deploy/` → deploy/web, deploy/vote), else the types. */
function typeOrName(types: () => readonly string[]): Provider {
  return async (context) => {
    const slash = context.typed.indexOf('/')
    if (slash < 0) return types()
    const type = context.typed.slice(0, slash)
    const kind = kindOf(type)
    if (kind === undefined || context.cluster === undefined) return []
    return (await context.cluster.names(kind, context.flags)).map((name) => `${type}/${name}`)
  }
}

/** `viz stat deploy web vote`: after a bare type, names of that type. */
const namesOfFirstType: Provider = async (context) => {
  const first = context.positionals[0]
  const kind = first === undefined || first.includes('/') ? undefined : kindOf(first)
  if (kind === undefined || context.cluster === undefined) return []
  return context.cluster.names(kind, context.flags)
}

/** A pod name or a type, or TYPE/NAME once a `/` is typed. */
const podOrName: Provider = async (context) => {
  if (context.typed.includes('/')) return typeOrName(() => [])(context)
  const pods = context.cluster ? await context.cluster.names('pod', context.flags) : []
  return [...pods, ...targetTypes()]
}

const namespaces: Provider = (context) => (context.cluster ? context.cluster.namespaces(context.flags) : [])
const contexts: Provider = (context) => (context.cluster ? context.cluster.contexts(context.flags) : [])

/** Flags of every cluster command, whatever the command. */
export const COMMON_FLAGS: Readonly<Record<string, Provider>> = {
  context: contexts,
  'from-namespace': namespaces,
  'linkerd-namespace': namespaces,
  namespace: namespaces,
  'to-namespace': namespaces,
}

const stat = typeOrName(resourceTypes)
const target = typeOrName(targetTypes)
const peer = typeOrName(() => [...targetTypes(), ...SERVICE_ALIASES])

export const PROVIDERS: Readonly<Record<string, Providers>> = {
  check: {flags: {only: checkIds, skip: checkIds}, lists: ['only', 'skip']},
  'viz:stat': {args: [stat, namesOfFirstType], flags: {to: peer, from: target}},
  'diagnose:pod': {args: [podOrName]},
  'diagnose:ports': {args: [target]},
  'diagnose:proxy-metrics': {args: [podOrName, target]},
  inject: {fileArgs: true},
  uninject: {fileArgs: true},
}
