// The cluster's own proxy defaults, from the `values` key of the linkerd-config ConfigMap that
// Linkerd's chart writes (proxy.ports.*, proxy.opaquePorts, proxyInit.ignore{In,Out}boundPorts).
// When it is missing or unreadable, Linkerd's chart defaults apply.
import {parse} from 'yaml'

import type {KubeClient} from '../kube/types.js'
import {meshDefaultsFromValues, type MeshDefaults} from '../ports/index.js'

/** The defaults in linkerd-config's `values` YAML; undefined when it does not parse to an object. */
export function meshDefaultsFromValuesYaml(valuesYaml: string): Partial<MeshDefaults> | undefined {
  let values: unknown
  try {
    values = parse(valuesYaml)
  } catch {
    return undefined
  }
  return typeof values === 'object' && values !== null && !Array.isArray(values) ? meshDefaultsFromValues(values) : undefined
}

export async function clusterMeshDefaults(kube: KubeClient, linkerdNamespace: string): Promise<Partial<MeshDefaults> | undefined> {
  try {
    const cm = await kube.getConfigMap(linkerdNamespace, 'linkerd-config')
    const values = cm?.data?.values
    return values === undefined ? undefined : meshDefaultsFromValuesYaml(values)
  } catch {
    return undefined // no permission or no control plane: Linkerd's defaults are the best guess
  }
}
