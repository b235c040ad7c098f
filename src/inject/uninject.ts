// What `linkerd uninject` removes, also run silently before every inject (so re-inject upgrades):
// the proxy, init and debug containers and Linkerd's volumes by name, and every annotation or
// label whose key starts with `linkerd.io` (except `linkerd.io/inject: disabled`). Objects of the
// control plane keep their metadata. `config.linkerd.io/*` annotations stay, as in Linkerd.
import {ANNOTATION, CONTAINER, LABEL, LINKERD_PREFIX, VOLUME} from '../mesh/names.js'
import type {TreeEditor} from './edit.js'
import type {Path} from './types.js'

/** Init containers inject may add: proxy-init, the native-sidecar proxy, the CNI validator. */
export const INJECTED_INIT_CONTAINERS = new Set<string>([CONTAINER.init, CONTAINER.proxy, CONTAINER.networkValidator])
/** Containers inject may add: the (legacy layout) proxy and the debug sidecar. */
export const INJECTED_CONTAINERS = new Set<string>([CONTAINER.proxy, CONTAINER.debug])
export const INJECTED_VOLUMES = new Set<string>(Object.values(VOLUME))

function removeNamed(edit: TreeEditor, path: Path, names: Set<string>, prune: number): boolean {
  const items = edit.get(path)
  if (!Array.isArray(items)) return false
  let removed = false
  // From the end, so earlier indexes stay valid.
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as {name?: unknown} | null
    if (item !== null && typeof item === 'object' && typeof item.name === 'string' && names.has(item.name)) {
      removed = edit.delete([...path, i], prune) || removed
    }
  }
  return removed
}

/** Strips Linkerd's annotations and labels from the metadata at `metaPath`. */
export function uninjectMetadata(edit: TreeEditor, metaPath: Path, prune: number): boolean {
  const meta = edit.get(metaPath) as {annotations?: unknown; labels?: unknown} | null | undefined
  if (meta === null || meta === undefined || typeof meta !== 'object') return false
  const labels = meta.labels
  if (labels !== null && typeof labels === 'object' && Object.hasOwn(labels, LABEL.controlPlaneComponent)) return false
  let removed = false
  for (const field of ['annotations', 'labels'] as const) {
    const map = meta[field]
    if (map === null || typeof map !== 'object' || Array.isArray(map)) continue
    for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
      if (!key.startsWith(LINKERD_PREFIX)) continue
      if (field === 'annotations' && key === ANNOTATION.inject && value === 'disabled') continue
      removed = edit.delete([...metaPath, field, key], prune) || removed
    }
  }
  return removed
}

/**
 * Uninjects the object at `base`; `templatePath` (absolute) is its pod template, if it has one.
 * Returns whether anything was removed.
 */
export function uninjectObject(edit: TreeEditor, base: Path, templatePath: Path | undefined): boolean {
  let removed = uninjectMetadata(edit, [...base, 'metadata'], 1)
  if (templatePath === undefined) return removed
  const spec = [...templatePath, 'spec']
  removed = removeNamed(edit, [...spec, 'initContainers'], INJECTED_INIT_CONTAINERS, 1) || removed
  removed = removeNamed(edit, [...spec, 'containers'], INJECTED_CONTAINERS, 0) || removed
  removed = removeNamed(edit, [...spec, 'volumes'], INJECTED_VOLUMES, 1) || removed
  if (templatePath.length > base.length) removed = uninjectMetadata(edit, [...templatePath, 'metadata'], 2) || removed
  return removed
}
