// The cluster's own proxy defaults from Linkerd's chart values (the `values` key of the
// linkerd-config ConfigMap): proxy.ports.*, proxy.opaquePorts, proxyInit.ignore{In,Out}boundPorts.
// One reading for `check --proxy` and `diagnose`; what is absent or unreadable is left out, so
// Linkerd's chart defaults apply.
import type {MeshDefaults, ProxyPortRole} from './mesh-config.js'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A port number as the chart may write it (`4191` or `"4191"`). */
const portNumber = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined
}
/** A port list as the chart may write it (`"25,443"`, or a single number). */
const portList = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)

export function meshDefaultsFromValues(values: unknown): Partial<MeshDefaults> {
  const root = isObj(values) ? values : {}
  const proxy = isObj(root.proxy) ? root.proxy : {}
  const init = isObj(root.proxyInit) ? root.proxyInit : {}
  const ports = isObj(proxy.ports) ? proxy.ports : {}
  const out: Partial<MeshDefaults> = {}
  const proxyPorts: Partial<Record<ProxyPortRole, number>> = {}
  for (const role of ['inbound', 'outbound', 'admin', 'control'] as const) {
    const port = portNumber(ports[role])
    if (port !== undefined) proxyPorts[role] = port
  }
  if (Object.keys(proxyPorts).length > 0) out.proxyPorts = proxyPorts as Record<ProxyPortRole, number>
  const opaque = portList(proxy.opaquePorts)
  if (opaque !== undefined) out.opaquePorts = opaque
  const skipIn = portList(init.ignoreInboundPorts)
  if (skipIn !== undefined) out.skipInboundPorts = skipIn
  const skipOut = portList(init.ignoreOutboundPorts)
  if (skipOut !== undefined) out.skipOutboundPorts = skipOut
  return out
}
