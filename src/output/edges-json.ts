// `viz edges -o json`: one document with a schemaVersion (docs/viz-edges.md). Each edge keeps viz's
// fields (src, src_namespace, dst, dst_namespace, client_id and server_id shortened as viz prints
// them, no_tls_reason as viz words it, '' when secured) and adds what viz lacks: whether it is
// secured, the raw reason label, the full identities, the open connections, which proxies saw it,
// in the same snake_case style (as viz stat's rows). The envelope is camelCase, like every meshport document.
import {edgeIdentities, edgeMessage, type Edge} from '../metrics/edges.js'
import type {PodError} from '../metrics/report.js'
import type {SourceInfo} from '../metrics/source.js'

export const EDGES_SCHEMA_VERSION = 1

export interface EdgesJsonContext {
  /** ISO time of the scrapes. */
  time: string
  /** Kind name of the requested type (`deployment`). */
  type: string
  /** Undefined: all namespaces. */
  namespace: string | undefined
  /** Where the gauges came from; undefined when nothing was read. */
  source: SourceInfo | undefined
  pods?: {targeted: number; scraped: number; failed: number} | undefined
  errors?: readonly PodError[] | undefined
}

function edgeJson(edge: Edge): Record<string, unknown> {
  const ids = edgeIdentities(edge)
  return {
    src: edge.src?.name ?? null,
    src_namespace: edge.src?.namespace ?? null,
    dst: edge.dst.name,
    dst_namespace: edge.dst.namespace,
    client_id: ids.client,
    server_id: ids.server,
    no_tls_reason: edgeMessage(edge),
    secured: edge.secured,
    no_tls_reason_label: edge.noTlsReason,
    client_identity: edge.clientId,
    server_identity: edge.serverId,
    tcp_open_connections: edge.connections,
    seen_by: [...(edge.seenBy.client ? ['client'] : []), ...(edge.seenBy.server ? ['server'] : [])],
  }
}

export function edgesJson(edges: readonly Edge[], context: EdgesJsonContext): Record<string, unknown> {
  return {
    schemaVersion: EDGES_SCHEMA_VERSION,
    time: context.time,
    ...(context.source ? {source: context.source} : {}),
    type: context.type,
    namespace: context.namespace ?? null,
    ...(context.pods ? {pods: {targeted: context.pods.targeted, scraped: context.pods.scraped, failed: context.pods.failed}} : {}),
    edges: edges.map(edgeJson),
    ...(context.errors ? {errors: context.errors} : {}),
  }
}
