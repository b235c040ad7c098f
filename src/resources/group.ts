// Groups pods into stat rows by the resources the user asked for: each pod belongs to itself,
// to every owner in its chain, and to its namespace.
import type {V1Pod} from '../kube/types.js'
import {customTypeMatches, kindInfo, type KindInfo} from './kinds.js'
import {ownerChain, type ChainLink, type OwnerIndex} from './owners.js'
import {isFinished} from './pods.js'
import type {Target} from './targets.js'

export interface ResourceRow {
  kind: KindInfo
  namespace: string
  name: string
  /** Pods of the resource that are not finished (Succeeded/Failed pods are hidden). */
  pods: V1Pod[]
}

export interface Grouping {
  rows: ResourceRow[]
  /** Named targets no pod belongs to. */
  missing: Target[]
}

export interface Selection {
  all: boolean
  targets: readonly Target[]
}

/** Every resource a pod belongs to: itself, its owners (nearest first), its namespace. */
export function podResources(pod: V1Pod, index: OwnerIndex): ChainLink[] {
  const namespace = pod.metadata?.namespace ?? ''
  return [{kind: 'Pod', name: pod.metadata?.name ?? ''}, ...ownerChain(pod.metadata ?? {}, index), {kind: 'Namespace', name: namespace}]
}

function matches(target: Target, link: ChainLink): boolean {
  if (target.name !== undefined && target.name !== link.name) return false
  return target.custom ? customTypeMatches(target.kind, link.kind) : kindInfo(link.kind).name === target.kind
}

export function groupPods(pods: readonly V1Pod[], index: OwnerIndex, selection: Selection): Grouping {
  const rows = new Map<string, ResourceRow>()
  const found = new Set<Target>()
  for (const pod of pods) {
    if (isFinished(pod)) continue
    const namespace = pod.metadata?.namespace ?? ''
    for (const link of podResources(pod, index)) {
      let wanted = false
      if (selection.all) wanted = link.kind !== 'Namespace'
      for (const target of selection.targets) {
        if (matches(target, link)) {
          wanted = true
          found.add(target)
        }
      }
      if (!wanted) continue
      const kind = kindInfo(link.kind)
      const rowNamespace = link.kind === 'Namespace' ? link.name : namespace
      const key = `${kind.name}/${rowNamespace}/${link.name}`
      let row = rows.get(key)
      if (!row) {
        row = {kind, name: link.name, namespace: rowNamespace, pods: []}
        rows.set(key, row)
      }
      row.pods.push(pod)
    }
  }
  const sorted = [...rows.values()].sort(compareRows)
  return {missing: selection.targets.filter((t) => t.name !== undefined && !found.has(t)), rows: sorted}
}

/** Linkerd's row order: by kind, then namespace, then name. */
export function compareRows(a: ResourceRow, b: ResourceRow): number {
  return cmp(a.kind.name, b.kind.name) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name)
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
