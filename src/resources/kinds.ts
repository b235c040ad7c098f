// The resource types `viz stat` (and diagnose) accept, with kubectl/Linkerd spellings: short
// names, singular and plural. Anything else is taken as a custom owner kind (e.g. `cloneset`),
// matched against the kinds in the pods' owner chains.

export interface KindInfo {
  /** Canonical lower-case singular, also the JSON `kind`: `deployment`. */
  readonly name: string
  /** The Kubernetes Kind: `Deployment`. */
  readonly kind: string
  /** Prefix in mixed-kind tables: `deploy/web`. */
  readonly short: string
  readonly aliases: readonly string[]
}

export const KINDS: readonly KindInfo[] = [
  {aliases: ['cj', 'cronjob', 'cronjobs'], kind: 'CronJob', name: 'cronjob', short: 'cj'},
  {aliases: ['ds', 'daemonset', 'daemonsets'], kind: 'DaemonSet', name: 'daemonset', short: 'ds'},
  {aliases: ['deploy', 'deployment', 'deployments'], kind: 'Deployment', name: 'deployment', short: 'deploy'},
  {aliases: ['job', 'jobs'], kind: 'Job', name: 'job', short: 'job'},
  {aliases: ['ns', 'namespace', 'namespaces'], kind: 'Namespace', name: 'namespace', short: 'ns'},
  {aliases: ['po', 'pod', 'pods'], kind: 'Pod', name: 'pod', short: 'po'},
  {aliases: ['rs', 'replicaset', 'replicasets'], kind: 'ReplicaSet', name: 'replicaset', short: 'rs'},
  {aliases: ['rc', 'replicationcontroller', 'replicationcontrollers'], kind: 'ReplicationController', name: 'replicationcontroller', short: 'rc'},
  {aliases: ['ro', 'rollout', 'rollouts'], kind: 'Rollout', name: 'rollout', short: 'rollout'},
  {aliases: ['sts', 'statefulset', 'statefulsets'], kind: 'StatefulSet', name: 'statefulset', short: 'sts'},
]

/** Services are no pod owners: `viz stat` takes them only as a `--to` destination (dst_service). */
export const SERVICE_ALIASES: readonly string[] = ['svc', 'service', 'services']

const BY_ALIAS = new Map(KINDS.flatMap((k) => k.aliases.map((a) => [a, k] as const)))
const BY_KIND = new Map(KINDS.map((k) => [k.kind, k] as const))

/** The kinds `all` expands to: every pod-owning kind (not namespace), custom owners added per pod. */
export const ALL_KINDS = KINDS.filter((k) => k.name !== 'namespace').map((k) => k.name)

export function kindByAlias(text: string): KindInfo | undefined {
  return BY_ALIAS.get(text.toLowerCase())
}

/** Known info for a Kubernetes Kind, or a synthesised one for custom kinds (`CloneSet` → `cloneset`). */
export function kindInfo(k8sKind: string): KindInfo {
  const known = BY_KIND.get(k8sKind)
  if (known) return known
  const name = k8sKind.toLowerCase()
  return {aliases: [name], kind: k8sKind, name, short: name}
}

/** Whether a user-typed custom type (`clonesets`, `CloneSet`) names this owner Kind. */
export function customTypeMatches(typed: string, k8sKind: string): boolean {
  const t = typed.toLowerCase()
  const k = k8sKind.toLowerCase()
  return t === k || t === `${k}s` || t === `${k}es`
}

/** Linkerd prints mixed-kind tables in alphabetical kind order. */
export function compareKinds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
