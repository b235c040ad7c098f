// In-memory object store of the simulated API server, indexed by API group and kind, so a CRD
// served at several versions finds the same objects at each of them.
import {ResourceRegistry} from './resources.js'

export type Json = Record<string, unknown>

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : ''
}

export class ObjectStore {
  readonly registry = new ResourceRegistry()
  private readonly byKind = new Map<string, Json[]>()
  private readonly index = new Map<string, number>()
  private revision = 1

  constructor(objects: Json[] = []) {
    for (const o of objects) this.add(o)
  }

  add(object: Json): void {
    const group = groupOf(typeof object.apiVersion === 'string' ? object.apiVersion : 'v1')
    const key = `${group}/${String(object.kind)}`
    const list = this.byKind.get(key) ?? []
    const meta = object.metadata as Json
    const id = `${key}|${typeof meta.namespace === 'string' ? meta.namespace : ''}|${typeof meta.name === 'string' ? meta.name : ''}`
    const index = this.index.get(id)
    meta.resourceVersion = String(++this.revision)
    if (index !== undefined) list[index] = object
    else this.index.set(id, list.push(object) - 1)
    this.byKind.set(key, list)
    if (object.kind === 'CustomResourceDefinition') this.registry.addCrd(object)
  }

  list(group: string, kind: string, namespace?: string): Json[] {
    const all = this.byKind.get(`${group}/${kind}`) ?? []
    return namespace === undefined ? all : all.filter((o) => (o.metadata as Json).namespace === namespace)
  }

  get(group: string, kind: string, namespace: string | undefined, name: string): Json | undefined {
    return this.list(group, kind, namespace).find((o) => (o.metadata as Json).name === name)
  }

  get resourceVersion(): string {
    return String(this.revision)
  }
}
