// The `--manual` mode handler: writes Linkerd's proxy sidecar into each pod template through the
// engine's text editor, so the user's own containers keep their comments, order and quoting.
import type {Annotations} from '../../mesh/proxy-overrides.js'
import {registerHandler, type HandlerOutcome, type Path, type WorkloadContext} from '../types.js'
import {computePodPatch, type ManualConfig, type PodPatch} from './pod-patch.js'
import {RenderError} from './render.js'

export const MANUAL_MODE = 'manual'

function record(value: unknown): {[key: string]: unknown} | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as {[key: string]: unknown}) : undefined
}

function isManualConfig(value: unknown): value is ManualConfig {
  const v = record(value)
  return v !== undefined && record(v.values) !== undefined && typeof v.createdBy === 'string'
}

/**
 * Sets map entries: the whole map in one splice when it is new, else key by key (into an empty
 * `{}` too, which then keeps its style and comes back as it was from uninject).
 */
function setEntries(ctx: WorkloadContext, path: Path, entries: [string, string][], existing: unknown): void {
  const current = record(existing)
  if (!current) {
    ctx.edit.set(path, Object.fromEntries(entries))
    return
  }
  for (const [key, value] of entries) if (current[key] !== value) ctx.edit.set([...path, key], value)
}

function applyToDocument(ctx: WorkloadContext, patch: PodPatch): void {
  // One re-read of the document for all these edits where they touch separate spots.
  ctx.edit.batch(() => applyEdits(ctx, patch))
}

function applyEdits(ctx: WorkloadContext, patch: PodPatch): void {
  const t = ctx.templatePath
  const metadata = record(ctx.template.metadata)
  if (!metadata) {
    ctx.edit.set([...t, 'metadata'], {annotations: Object.fromEntries(patch.annotations), labels: Object.fromEntries(patch.labels)})
  } else {
    setEntries(ctx, [...t, 'metadata', 'annotations'], patch.annotations, metadata.annotations)
    setEntries(ctx, [...t, 'metadata', 'labels'], patch.labels, metadata.labels)
  }
  // An edit that must re-read the document re-scans what earlier ones added: the proxy (most of
  // the text) goes last. Edits of different sequences do not change each other's text.
  const spec = [...t, 'spec']
  if (patch.volumes.length > 0) ctx.edit.insert([...spec, 'volumes'], -1, patch.volumes)
  if (patch.initContainersLast.length > 0) ctx.edit.insert([...spec, 'initContainers'], -1, patch.initContainersLast)
  if (patch.initContainersFirst.length > 0) ctx.edit.insert([...spec, 'initContainers'], 0, patch.initContainersFirst)
  if (patch.containersLast.length > 0) ctx.edit.insert([...spec, 'containers'], -1, patch.containersLast)
  if (patch.containersFirst.length > 0) ctx.edit.insert([...spec, 'containers'], 0, patch.containersFirst)
}

export const manualHandler = {
  mode: MANUAL_MODE,
  inject(ctx: WorkloadContext): HandlerOutcome {
    const config = ctx.options.values
    if (!isManualConfig(config)) throw new Error('inject --manual: the command did not prepare the manual settings')
    const metadata = record(ctx.template.metadata)
    const isPod = ctx.templatePath.length === ctx.workloadPath.length
    const workloadMetadata = record(ctx.workload.metadata)
    let patch: PodPatch
    try {
      patch = computePodPatch(
        {
          kind: ctx.kind,
          name: typeof workloadMetadata?.name === 'string' ? workloadMetadata.name : ctx.name,
          namespace: ctx.namespace ?? '',
          workloadAnnotations: (record(isPod ? metadata?.annotations : workloadMetadata?.annotations) ?? {}) as Annotations,
          metadata,
          spec: record(ctx.template.spec) ?? {},
        },
        config,
      )
    } catch (error) {
      if (error instanceof RenderError) return {kind: 'error', reasons: [error.message]}
      throw error
    }
    applyToDocument(ctx, patch)
    return {kind: 'injected'}
  },
}

registerHandler(manualHandler)
