// Where each kind keeps its pod template (Linkerd's list, matched case-insensitively on `kind`
// only, as Linkerd does), plus presets for well-known custom kinds and `--pod-template-path`.
import type {Path} from './types.js'

export const BUILTIN_TEMPLATE_PATHS: ReadonlyMap<string, Path> = new Map<string, Path>([
  ['deployment', ['spec', 'template']],
  ['replicaset', ['spec', 'template']],
  ['replicationcontroller', ['spec', 'template']],
  ['statefulset', ['spec', 'template']],
  ['daemonset', ['spec', 'template']],
  ['job', ['spec', 'template']],
  ['cronjob', ['spec', 'jobTemplate', 'spec', 'template']],
  ['pod', []],
])

/** Custom kinds with a pod template that meshport knows without being told (group/kind). */
export const PRESET_TEMPLATE_PATHS: ReadonlyMap<string, Path> = new Map<string, Path>([
  ['argoproj.io/rollout', ['spec', 'template']],
])

/**
 * Kinds that may take their pod template from another workload instead of holding one: Argo
 * Rollouts with `spec.workloadRef` (Argo rejects a Rollout that has both).
 */
const TEMPLATE_REFERENCES: ReadonlyMap<string, Path> = new Map<string, Path>([['argoproj.io/rollout', ['spec', 'workloadRef']]])

/** Where this kind may name the workload that holds its pod template, if it may. */
export function templateReferencePath(kind: string, apiVersion: unknown): Path | undefined {
  return TEMPLATE_REFERENCES.get(`${apiGroup(apiVersion).toLowerCase()}/${kind.toLowerCase()}`)
}

/** `kind/name` of a workload reference (`{apiVersion, kind: Deployment, name: web}`), or undefined. */
export function referencedWorkload(ref: unknown): string | undefined {
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return undefined
  const {kind, name} = ref as {kind?: unknown; name?: unknown}
  return `${typeof kind === 'string' && kind !== '' ? kind.toLowerCase() : 'deployment'}/${typeof name === 'string' ? name : ''}`
}

/** `apps/v1` -> `apps`, `v1` -> `` (the core group). */
export function apiGroup(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return ''
  const slash = apiVersion.indexOf('/')
  return slash === -1 ? '' : apiVersion.slice(0, slash)
}

/**
 * The pod template path for an object, or undefined when the kind has none. Built-in kinds match
 * on kind alone (as Linkerd); custom entries match `group/kind` first, then the bare kind.
 */
export function templatePathFor(kind: string, apiVersion: unknown, custom: ReadonlyMap<string, Path>): Path | undefined {
  const lower = kind.toLowerCase()
  const builtin = BUILTIN_TEMPLATE_PATHS.get(lower)
  if (builtin) return builtin
  const grouped = `${apiGroup(apiVersion).toLowerCase()}/${lower}`
  return custom.get(grouped) ?? custom.get(lower) ?? PRESET_TEMPLATE_PATHS.get(grouped)
}

/**
 * Parses `--pod-template-path KIND=.path.to.template` (KIND may be `group/Kind`). The path uses
 * dots between keys; a leading dot is optional.
 */
export function parseTemplatePathFlag(value: string): [string, Path] | undefined {
  const eq = value.indexOf('=')
  if (eq <= 0) return undefined
  const kind = value.slice(0, eq).trim().toLowerCase()
  const raw = value.slice(eq + 1).trim().replace(/^\./, '')
  if (kind === '' || !/^[A-Za-z0-9.\-/]+$/.test(kind)) return undefined
  if (raw === '') return [kind, []]
  const parts = raw.split('.')
  if (parts.some((p) => p === '')) return undefined
  return [kind, parts]
}
