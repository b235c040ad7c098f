// The cluster's own proxy defaults, from the `values` key of the linkerd-config ConfigMap that
// Linkerd's chart writes (proxy.ports.*, proxy.opaquePorts, proxyInit.ignore{In,Out}boundPorts).
// When it is missing or unreadable, Linkerd's chart defaults apply.
import {parse} from 'yaml'

import type {KubeClient} from '../kube/types.js'
import type {MeshDefaults, ProxyPortRole} from '../ports/index.js'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

export function meshDefaultsFromValues(valuesYaml: string): Partial<MeshDefaults> | undefined {
  let values: unknown
  try {
    values = parse(valuesYaml)
  } catch {
    return undefined
  }
  if (!isObj(values)) return undefined
  const proxy = isObj(values.proxy) ? values.proxy : {}
  const init = isObj(values.proxyInit) ? values.proxyInit : {}
  const ports = isObj(proxy.ports) ? proxy.ports : {}
  const out: Partial<MeshDefaults> = {}
  const proxyPorts: Partial<Record<ProxyPortRole, number>> = {}
  for (const role of ['inbound', 'outbound', 'admin', 'control'] as const) {
    const n = Number(ports[role])
    if (Number.isInteger(n) && n > 0 && n < 65536) proxyPorts[role] = n
  }
  if (Object.keys(proxyPorts).length > 0) out.proxyPorts = proxyPorts as Record<ProxyPortRole, number>
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)
  const opaque = text(proxy.opaquePorts)
  if (opaque !== undefined) out.opaquePorts = opaque
  const skipIn = text(init.ignoreInboundPorts)
  if (skipIn !== undefined) out.skipInboundPorts = skipIn
  const skipOut = text(init.ignoreOutboundPorts)
  if (skipOut !== undefined) out.skipOutboundPorts = skipOut
  return out
}

export async function clusterMeshDefaults(kube: KubeClient, linkerdNamespace: string): Promise<Partial<MeshDefaults> | undefined> {
  try {
    const cm = await kube.getConfigMap(linkerdNamespace, 'linkerd-config')
    const values = cm?.data?.values
    return values === undefined ? undefined : meshDefaultsFromValues(values)
  } catch {
    return undefined // no permission or no control plane: Linkerd's defaults are the best guess
  }
}
