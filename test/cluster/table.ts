// Server-side printing (meta.k8s.io/v1 Table) for the kinds kubectl users look at, with the
// columns of the real API server's printers, so `kubectl get` shows READY, STATUS, RESTARTS...
// instead of just NAME and AGE. Age cells carry the creation timestamp; kubectl formats them.
import type {Json} from './store.js'

interface Column {
  description?: string
  format?: string
  name: string
  priority?: number
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean'
}

type Row = (o: Json) => unknown[]

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((cur, key) => (cur && typeof cur === 'object' ? (cur as Json)[key] : undefined), o)
const num = (o: Json, path: string): number => Number(get(o, path) ?? 0)
const NAME: Column = {format: 'name', name: 'Name', type: 'string'}
const AGE: Column = {name: 'Age', type: 'string'}

/** k8s.io/apimachinery duration.HumanDuration, which the server-side printers use for Age. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  if (hours < 24 * 365 * 8) return `${Math.floor(hours / 24 / 365)}y${Math.floor(hours / 24) % 365}d`
  return `${Math.floor(hours / 24 / 365)}y`
}

const age = (o: Json): string => {
  const created = get(o, 'metadata.creationTimestamp')
  return typeof created === 'string' ? humanDuration(Date.now() - Date.parse(created)) : '<unknown>'
}

function podStatus(o: Json): {ready: string; restarts: string; status: string} {
  const statuses = (get(o, 'status.containerStatuses') as Json[] | undefined) ?? []
  const inits = ((get(o, 'status.initContainerStatuses') as Json[] | undefined) ?? []).filter((s) => get(s, 'state.running') !== undefined)
  const containers = ((get(o, 'spec.containers') as Json[] | undefined) ?? []).length
  const sidecars = ((get(o, 'spec.initContainers') as Json[] | undefined) ?? []).filter((c) => c.restartPolicy === 'Always').length
  const ready = statuses.filter((s) => s.ready).length + inits.filter((s) => s.ready).length
  const phase = get(o, 'status.phase')
  let status = typeof phase === 'string' ? phase : 'Unknown'
  for (const s of statuses) {
    const waiting = get(s, 'state.waiting.reason')
    if (typeof waiting === 'string' && waiting !== '') status = waiting
  }
  const restarts = [...statuses, ...inits].reduce((sum, s) => sum + Number(s.restartCount ?? 0), 0)
  const last = statuses.map((s) => get(s, 'lastState.terminated.finishedAt')).find((v) => typeof v === 'string')
  const restartText = restarts > 0 && typeof last === 'string' ? `${restarts} (${Math.max(1, Math.round((Date.now() - Date.parse(last)) / 60_000))}m ago)` : String(restarts)
  return {ready: `${ready}/${containers + sidecars}`, restarts: restartText, status}
}

const TABLES: Record<string, {columns: Column[]; row: Row}> = {
  Pod: {
    columns: [NAME, {name: 'Ready', type: 'string'}, {name: 'Status', type: 'string'}, {name: 'Restarts', type: 'string'}, AGE, {name: 'IP', priority: 1, type: 'string'}, {name: 'Node', priority: 1, type: 'string'}, {name: 'Nominated Node', priority: 1, type: 'string'}, {name: 'Readiness Gates', priority: 1, type: 'string'}],
    row: (o) => {
      const s = podStatus(o)
      return [get(o, 'metadata.name'), s.ready, s.status, s.restarts, age(o), get(o, 'status.podIP') ?? '<none>', get(o, 'spec.nodeName') ?? '<none>', '<none>', '<none>']
    },
  },
  Deployment: {
    columns: [NAME, {name: 'Ready', type: 'string'}, {name: 'Up-to-date', type: 'integer'}, {name: 'Available', type: 'integer'}, AGE, {name: 'Containers', priority: 1, type: 'string'}, {name: 'Images', priority: 1, type: 'string'}, {name: 'Selector', priority: 1, type: 'string'}],
    row: (o) => [get(o, 'metadata.name'), `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}`, num(o, 'status.updatedReplicas'), num(o, 'status.availableReplicas'), age(o), containerNames(o), images(o), selector(o)],
  },
  ReplicaSet: {
    columns: [NAME, {name: 'Desired', type: 'integer'}, {name: 'Current', type: 'integer'}, {name: 'Ready', type: 'integer'}, AGE],
    row: (o) => [get(o, 'metadata.name'), num(o, 'spec.replicas'), num(o, 'status.replicas'), num(o, 'status.readyReplicas'), age(o)],
  },
  StatefulSet: {
    columns: [NAME, {name: 'Ready', type: 'string'}, AGE],
    row: (o) => [get(o, 'metadata.name'), `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}`, age(o)],
  },
  DaemonSet: {
    columns: [NAME, {name: 'Desired', type: 'integer'}, {name: 'Current', type: 'integer'}, {name: 'Ready', type: 'integer'}, {name: 'Up-to-date', type: 'integer'}, {name: 'Available', type: 'integer'}, {name: 'Node Selector', type: 'string'}, AGE],
    row: (o) => [get(o, 'metadata.name'), num(o, 'status.desiredNumberScheduled'), num(o, 'status.currentNumberScheduled'), num(o, 'status.numberReady'), num(o, 'status.updatedNumberScheduled'), num(o, 'status.numberAvailable'), '<none>', age(o)],
  },
  Namespace: {
    columns: [NAME, {name: 'Status', type: 'string'}, AGE],
    row: (o) => [get(o, 'metadata.name'), get(o, 'status.phase'), age(o)],
  },
  Node: {
    columns: [NAME, {name: 'Status', type: 'string'}, {name: 'Roles', type: 'string'}, AGE, {name: 'Version', type: 'string'}],
    row: (o) => {
      const labels = (get(o, 'metadata.labels') as Record<string, string> | undefined) ?? {}
      const roles = Object.keys(labels).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length))
      return [get(o, 'metadata.name'), 'Ready', roles.join(',') || '<none>', age(o), get(o, 'status.nodeInfo.kubeletVersion')]
    },
  },
  Service: {
    columns: [NAME, {name: 'Type', type: 'string'}, {name: 'Cluster-IP', type: 'string'}, {name: 'External-IP', type: 'string'}, {name: 'Port(s)', type: 'string'}, AGE, {name: 'Selector', priority: 1, type: 'string'}],
    row: (o) => [
      get(o, 'metadata.name'),
      get(o, 'spec.type'),
      get(o, 'spec.clusterIP'),
      '<none>',
      ((get(o, 'spec.ports') as Json[] | undefined) ?? []).map((p) => `${String(p.port)}/${typeof p.protocol === 'string' ? p.protocol : 'TCP'}`).join(',') || '<none>',
      age(o),
      Object.entries((get(o, 'spec.selector') as Record<string, string> | undefined) ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    ],
  },
  ConfigMap: {
    columns: [NAME, {name: 'Data', type: 'integer'}, AGE],
    row: (o) => [get(o, 'metadata.name'), Object.keys((o.data as Json | undefined) ?? {}).length, age(o)],
  },
  Secret: {
    columns: [NAME, {name: 'Type', type: 'string'}, {name: 'Data', type: 'integer'}, AGE],
    row: (o) => [get(o, 'metadata.name'), o.type ?? 'Opaque', Object.keys((o.data as Json | undefined) ?? {}).length, age(o)],
  },
  ServiceAccount: {
    columns: [NAME, {name: 'Secrets', type: 'integer'}, AGE],
    row: (o) => [get(o, 'metadata.name'), 0, age(o)],
  },
  CustomResourceDefinition: {
    columns: [NAME, {name: 'Created At', type: 'date'}],
    row: (o) => [get(o, 'metadata.name'), get(o, 'metadata.creationTimestamp')],
  },
}

function containerNames(o: Json): string {
  return ((get(o, 'spec.template.spec.containers') as Json[] | undefined) ?? []).map((c) => String(c.name)).join(',')
}
function images(o: Json): string {
  return ((get(o, 'spec.template.spec.containers') as Json[] | undefined) ?? []).map((c) => String(c.image)).join(',')
}
function selector(o: Json): string {
  return Object.entries((get(o, 'spec.selector.matchLabels') as Record<string, string> | undefined) ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
}

/** True when the Accept header asks for server-side printing. */
export function wantsTable(accept: string | undefined): {version: string} | undefined {
  if (!accept) return undefined
  for (const part of accept.split(',')) {
    if (/as=Table/.test(part) && /g=meta\.k8s\.io/.test(part)) {
      const version = /v=(v1beta1|v1)/.exec(part)?.[1] ?? 'v1'
      return {version}
    }
  }
  return undefined
}

export function toTable(kind: string, items: Json[], version: string, resourceVersion: string, includeObject: string | undefined): Json {
  const table = TABLES[kind] ?? {columns: [NAME, AGE], row: (o: Json) => [get(o, 'metadata.name'), age(o)]}
  return {
    apiVersion: `meta.k8s.io/${version}`,
    columnDefinitions: table.columns.map((c) => ({description: c.description ?? '', format: c.format ?? '', name: c.name, priority: c.priority ?? 0, type: c.type})),
    kind: 'Table',
    metadata: {resourceVersion},
    rows: items.map((o) => ({
      cells: table.row(o),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? o
            : {apiVersion: `meta.k8s.io/${version}`, kind: 'PartialObjectMetadata', metadata: o.metadata},
    })),
  }
}
