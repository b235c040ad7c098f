// Finds the pod template of every workload in parsed manifests (Pod, Deployment, ReplicaSet,
// ReplicationController, StatefulSet, DaemonSet, Job, CronJob, also inside `kind: List`), and the
// annotations of Namespaces declared alongside them, which the pods inherit as in a cluster.
import type {Path} from '../inject/types.js'
import {templatePathFor} from '../inject/workloads.js'
import type {PodLike, ServiceLike} from '../ports/index.js'
import type {ManifestDocument} from './manifest-source.js'

export interface ManifestWorkload {
  kind: string
  name: string
  namespace: string | undefined
  /** `web.yaml, document 2` or `web.yaml, document 2, item 3`. */
  source: string
  template: PodLike
}

export interface ManifestService {
  name: string
  namespace: string | undefined
  source: string
  service: ServiceLike
}

export interface ManifestSet {
  workloads: ManifestWorkload[]
  services: ManifestService[]
  /** Namespace name -> annotations, for Namespace objects found in the input. */
  namespaces: Map<string, Record<string, string>>
}

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function at(obj: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = obj
  for (const key of path) cur = typeof key === 'number' ? (Array.isArray(cur) ? cur[key] : undefined) : isObj(cur) ? cur[key] : undefined
  return cur
}

function stringValues(obj: Obj): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
}

/**
 * `customPaths`: extra pod-template locations by lower-case `kind` or `group/kind`, as inject's
 * `--pod-template-path` takes them; the built-in kinds and presets (Argo Rollout) come from inject.
 */
export function findWorkloads(docs: readonly ManifestDocument[], customPaths: ReadonlyMap<string, Path> = new Map()): ManifestSet {
  const set: ManifestSet = {workloads: [], services: [], namespaces: new Map()}
  const visit = (obj: unknown, source: string): void => {
    if (!isObj(obj)) return
    const kind = typeof obj.kind === 'string' ? obj.kind : ''
    const lower = kind.toLowerCase()
    if (lower === 'list' && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => visit(item, `${source}, item ${i + 1}`))
      return
    }
    const rawName = at(obj, ['metadata', 'name']) ?? at(obj, ['metadata', 'generateName'])
    const name = typeof rawName === 'string' ? rawName : '(unnamed)'
    const namespace = at(obj, ['metadata', 'namespace'])
    if (lower === 'namespace') {
      const annotations = at(obj, ['metadata', 'annotations'])
      set.namespaces.set(name, isObj(annotations) ? stringValues(annotations) : {})
      return
    }
    if (lower === 'service') {
      const meta = isObj(obj.metadata) ? obj.metadata : {}
      const annotations = isObj(meta.annotations) ? stringValues(meta.annotations) : {}
      set.services.push({name, namespace: typeof namespace === 'string' ? namespace : undefined, source, service: {...obj, metadata: {...meta, annotations}}})
      return
    }
    const path = kind ? templatePathFor(kind, obj.apiVersion, customPaths) : undefined
    const template = path === undefined ? undefined : path.length === 0 ? obj : at(obj, path)
    if (!isObj(template)) return
    // YAML may type an annotation as a number (`admin-port: 9990`); the API server would store text.
    const meta = isObj(template.metadata) ? template.metadata : {}
    const annotations = isObj(meta.annotations) ? stringValues(meta.annotations) : {}
    const pod: PodLike = {...template, metadata: {...meta, annotations}}
    set.workloads.push({kind, name, namespace: typeof namespace === 'string' ? namespace : undefined, source, template: pod})
  }
  for (const doc of docs) visit(doc.object, `${doc.source}, document ${doc.index}`)
  return set
}
