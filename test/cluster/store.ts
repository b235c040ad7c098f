// In-memory object store of the simulated API server, indexed by API group and kind, so a CRD
// served at several versions finds the same objects at each of them. Every change after the
// cluster is built bumps the resourceVersion and is kept (the last HISTORY events) for watches
// that resume from a resourceVersion, and handed to the watches open now.
import {ResourceRegistry} from './resources.js'

export type Json = Record<string, unknown>

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  /** `group/Kind`, e.g. `/Pod` or `apps/Deployment`. */
  kind: string
  object: Json
  /** The object before a MODIFIED or DELETED, for selector transitions. */
  previous: Json | undefined
  revision: number
  type: WatchEventType
}

/** How many past events a watch may resume from; older resourceVersions get 410 Expired. */
const HISTORY = 10_000

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : ''
}

function kindKey(object: Json): string {
  return `${groupOf(typeof object.apiVersion === 'string' ? object.apiVersion : 'v1')}/${String(object.kind)}`
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}|${name}`
}

export class ObjectStore {
  readonly registry = new ResourceRegistry()
  private readonly byKind = new Map<string, Map<string, Json>>()
  private readonly listeners = new Map<string, Set<(event: StoreEvent) => void>>()
  private readonly history: StoreEvent[] = []
  /** The oldest revision a watch can resume from (anything older was not kept). */
  private oldest: number
  private revision = 1

  constructor(objects: Json[] = []) {
    for (const o of objects) this.put(o)
    this.oldest = this.revision
  }

  /** Adds or replaces an object (ADDED or MODIFIED); returns the stored object. */
  add(object: Json): Json {
    const previous = this.put(object)
    this.emit({kind: kindKey(object), object, previous, revision: this.revision, type: previous ? 'MODIFIED' : 'ADDED'})
    return object
  }

  /** Removes an object (DELETED); returns it, or undefined when there was none. */
  remove(group: string, kind: string, namespace: string | undefined, name: string): Json | undefined {
    const objects = this.byKind.get(`${group}/${kind}`)
    const key = objectKey(namespace, name)
    const object = objects?.get(key)
    if (!objects || !object) return undefined
    objects.delete(key)
    // The deleted object is reported at the revision of its deletion, as etcd does.
    const deleted = {...object, metadata: {...(object.metadata as Json), resourceVersion: String(++this.revision)}}
    this.emit({kind: `${group}/${kind}`, object: deleted, previous: object, revision: this.revision, type: 'DELETED'})
    return deleted
  }

  private put(object: Json): Json | undefined {
    const key = kindKey(object)
    const meta = object.metadata as Json
    const id = objectKey(typeof meta.namespace === 'string' ? meta.namespace : undefined, typeof meta.name === 'string' ? meta.name : '')
    let objects = this.byKind.get(key)
    if (!objects) this.byKind.set(key, (objects = new Map()))
    const previous = objects.get(id)
    meta.resourceVersion = String(++this.revision)
    objects.set(id, object)
    if (object.kind === 'CustomResourceDefinition') this.registry.addCrd(object)
    return previous
  }

  private emit(event: StoreEvent): void {
    this.history.push(event)
    if (this.history.length > HISTORY) {
      const dropped = this.history.splice(0, this.history.length - HISTORY)
      this.oldest = (dropped[dropped.length - 1] as StoreEvent).revision
    }
    for (const listener of this.listeners.get(event.kind) ?? []) listener(event)
  }

  list(group: string, kind: string, namespace?: string): Json[] {
    const all = [...(this.byKind.get(`${group}/${kind}`)?.values() ?? [])]
    return namespace === undefined ? all : all.filter((o) => (o.metadata as Json).namespace === namespace)
  }

  get(group: string, kind: string, namespace: string | undefined, name: string): Json | undefined {
    return this.byKind.get(`${group}/${kind}`)?.get(objectKey(namespace, name))
  }

  /**
   * Events of `group/kind` after `revision`, or undefined when they are no longer kept (the
   * API server's 410 "too old resource version").
   */
  eventsSince(group: string, kind: string, revision: number): StoreEvent[] | undefined {
    if (revision < this.oldest) return undefined
    const key = `${group}/${kind}`
    return this.history.filter((e) => e.revision > revision && e.kind === key)
  }

  /** Calls `listener` with every later change of `group/kind`; returns the unsubscribe function. */
  subscribe(group: string, kind: string, listener: (event: StoreEvent) => void): () => void {
    const key = `${group}/${kind}`
    let set = this.listeners.get(key)
    if (!set) this.listeners.set(key, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  get resourceVersion(): string {
    return String(this.revision)
  }

  /** The oldest resourceVersion a watch may start from. */
  get oldestResourceVersion(): number {
    return this.oldest
  }
}
