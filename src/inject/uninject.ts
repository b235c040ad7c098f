// What `linkerd uninject` removes, also run silently before every inject (so re-inject upgrades):
// the proxy, init and debug containers and Linkerd's volumes by name, and every annotation or
// label whose key starts with `linkerd.io` (except `linkerd.io/inject: disabled`). Objects of the
// control plane keep their metadata. `config.linkerd.io/*` annotations stay, as in Linkerd.
// Collections left empty go too, up to the object (annotations, metadata, a pod template inject
// created in a kustomize patch), so that uninject gives back exactly what inject was given.
import {ANNOTATION, CONTAINER, LABEL, LINKERD_PREFIX, VOLUME} from '../mesh/names.js'
import type {TreeEditor} from './edit.js'
import type {Path} from './types.js'

/** Init containers inject may add: proxy-init, the native-sidecar proxy, the CNI validator. */
export const INJECTED_INIT_CONTAINERS = new Set<string>([CONTAINER.init, CONTAINER.proxy, CONTAINER.networkValidator])
/** Containers inject may add: the (legacy layout) proxy and the debug sidecar. */
export const INJECTED_CONTAINERS = new Set<string>([CONTAINER.proxy, CONTAINER.debug])
export const INJECTED_VOLUMES = new Set<string>(Object.values(VOLUME))

/** How many collections between the object at `base` and the node at `path` may be pruned when emptied. */
function levels(base: Path, path: Path): number {
  return path.length - base.length - 1
}

function removeNamed(edit: TreeEditor, base: Path, path: Path, names: Set<string>): boolean {
  const items = edit.get(path)
  if (!Array.isArray(items)) return false
  let removed = false
  // From the end, so earlier indexes stay valid.
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as {name?: unknown} | null
    if (item !== null && typeof item === 'object' && typeof item.name === 'string' && names.has(item.name)) {
      removed = edit.delete([...path, i], levels(base, [...path, i])) || removed
    }
  }
  return removed
}

/** Strips Linkerd's annotations and labels from the metadata at `metaPath` of the object at `base`. */
export function uninjectMetadata(edit: TreeEditor, base: Path, metaPath: Path): boolean {
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
      removed = edit.delete([...metaPath, field, key], levels(base, [...metaPath, field, key])) || removed
    }
  }
  return removed
}

/**
 * Uninjects the object at `base`; `templatePath` (absolute) is its pod template, if it has one.
 * Returns whether anything was removed.
 */
export function uninjectObject(edit: TreeEditor, base: Path, templatePath: Path | undefined): boolean {
  let removed = uninjectMetadata(edit, base, [...base, 'metadata'])
  if (templatePath === undefined) return removed
  const spec = [...templatePath, 'spec']
  removed = removeNamed(edit, base, [...spec, 'initContainers'], INJECTED_INIT_CONTAINERS) || removed
  removed = removeNamed(edit, base, [...spec, 'containers'], INJECTED_CONTAINERS) || removed
  removed = removeNamed(edit, base, [...spec, 'volumes'], INJECTED_VOLUMES) || removed
  if (templatePath.length > base.length) removed = uninjectMetadata(edit, base, [...templatePath, 'metadata']) || removed
  return removed
}
