// `meshport inject` against `linkerd inject` (the same objects, compared as data, as Linkerd's own
// inject tests compare YAML), and what the pods of an applied manifest must look like.
import {parseAllDocuments} from 'yaml'

import {comparison, exitProblems, type Comparison} from './comparison.js'

/**
 * The objects of a YAML stream. Comment-only and empty documents are not objects (kubectl skips
 * them; meshport keeps the comments, Linkerd drops them), so they are left out.
 */
export function yamlObjects(text: string): unknown[] {
  const objects: unknown[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`)
    const value: unknown = doc.toJS()
    if (value !== null && value !== undefined) objects.push(value)
  }
  return objects
}

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

/** Paths where two values differ, at most `limit` of them. */
export function differences(a: unknown, b: unknown, path = '', limit = 20, out: string[] = []): string[] {
  if (out.length >= limit) return out
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v))
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) differences(a[i], b[i], `${path}[${i}]`, limit, out)
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>
    const rb = b as Record<string, unknown>
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) differences(ra[k], rb[k], path === '' ? k : `${path}.${k}`, limit, out)
  } else if (a !== b) {
    out.push(`${path || '(document)'}: ${show(a)} vs ${show(b)}`)
  }
  return out
}

/** Removes `metadata.annotations[name]` at every depth (pod templates, List items). */
function withoutAnnotation(value: unknown, name: string): Json {
  if (Array.isArray(value)) return value.map((v) => withoutAnnotation(v, name))
  if (value === null || typeof value !== 'object') return value as Json
  const out: Record<string, Json> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'annotations' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).filter(([a]) => a !== name)) as Json
    } else {
      out[k] = withoutAnnotation(v, name)
    }
  }
  return out
}

function label(object: unknown, index: number): string {
  const o = object as {kind?: string; metadata?: {name?: string; namespace?: string}} | null
  const name = o?.metadata?.name === undefined ? '' : ` ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
  return `document ${index + 1} (${o?.kind ?? 'unknown kind'}${name})`
}

export interface ObjectsRun {
  meshport: string
  linkerd: string
  meshportExit: number
  linkerdExit: number
  /** Annotations whose values differ by design (`linkerd.io/created-by` names the CLI). */
  ignoreAnnotations?: string[]
}

/** Both outputs hold the same objects in the same order. */
export function compareObjects(run: ObjectsRun): Comparison {
  const problems = [...exitProblems('meshport inject', run.meshportExit, 0), ...exitProblems('linkerd inject', run.linkerdExit, 0)]
  let ours: unknown[]
  let theirs: unknown[]
  try {
    ours = yamlObjects(run.meshport)
    theirs = yamlObjects(run.linkerd)
  } catch (error) {
    return comparison('objects: unreadable output', [...problems, (error as Error).message])
  }
  const ignored = run.ignoreAnnotations ?? []
  const strip = (o: unknown): Json => ignored.reduce<Json>((acc, name) => withoutAnnotation(acc, name), o as Json)
  if (ours.length === 0) problems.push('meshport printed no object')
  if (ours.length !== theirs.length) problems.push(`meshport printed ${ours.length} objects, linkerd ${theirs.length}`)
  for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
    for (const d of differences(strip(ours[i]), strip(theirs[i]))) problems.push(`${label(ours[i], i)}: ${d} (meshport vs linkerd)`)
  }
  const notCompared = ignored.map((a) => `annotation ${a}: differs by design`)
  return comparison(`objects: ${ours.length} from meshport, ${theirs.length} from linkerd`, problems, notCompared)
}

interface Container {
  name: string
  restartPolicy?: string
}

interface Pod {
  metadata: {name: string; namespace?: string; annotations?: Record<string, string>; deletionTimestamp?: string}
  spec: {containers: Container[]; initContainers?: Container[]}
  status?: {phase?: string; conditions?: Array<{type: string; status: string}>}
}

export interface SidecarExpectation {
  /** `native`: linkerd-proxy is an init container with restartPolicy Always; `none`: no proxy at all. */
  expect: 'native' | 'none'
  /** The `linkerd.io/created-by` annotation must start with this (who wrote the proxy). */
  createdBy?: string
  /** At least this many pods (default 1): an empty list proves nothing. */
  minPods?: number
}

/**
 * The pods of `kubectl get pods -o json`: proxies as expected, every pod Ready. Pods being deleted
 * (the old ReplicaSet's, right after a rollout) are not judged.
 */
export function checkSidecars(list: {items: Pod[]}, expected: SidecarExpectation): Comparison {
  const problems: string[] = []
  const pods = list.items.filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
  if (pods.length < (expected.minPods ?? 1)) problems.push(`${pods.length} pods, expected at least ${expected.minPods ?? 1}`)
  for (const pod of pods) {
    const name = `pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name}`
    const inits = pod.spec.initContainers ?? []
    const proxyInit = inits.find((c) => c.name === 'linkerd-proxy')
    const proxyContainer = pod.spec.containers.find((c) => c.name === 'linkerd-proxy')
    if (expected.expect === 'native') {
      if (proxyInit?.restartPolicy !== 'Always') problems.push(`${name}: no linkerd-proxy native sidecar (init container with restartPolicy Always)`)
      if (proxyContainer !== undefined) problems.push(`${name}: linkerd-proxy is also a regular container`)
      const createdBy = pod.metadata.annotations?.['linkerd.io/created-by']
      if (expected.createdBy !== undefined && !createdBy?.startsWith(expected.createdBy)) problems.push(`${name}: linkerd.io/created-by is ${createdBy ?? '(absent)'}, expected ${expected.createdBy}...`)
    } else {
      const leftovers = [...inits, ...pod.spec.containers].map((c) => c.name).filter((n) => n === 'linkerd-proxy' || n === 'linkerd-init')
      if (leftovers.length > 0) problems.push(`${name}: still has ${leftovers.join(', ')}`)
      if (pod.metadata.annotations?.['linkerd.io/proxy-version'] !== undefined) problems.push(`${name}: still annotated linkerd.io/proxy-version`)
    }
    if (pod.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') problems.push(`${name}: not Ready`)
  }
  return comparison(`sidecars: ${pods.length} pods, expected ${expected.expect === 'native' ? 'a native linkerd-proxy sidecar' : 'no proxy'}${expected.createdBy ? ` written by ${expected.createdBy}` : ''}`, problems)
}
