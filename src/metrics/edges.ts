// `viz edges`: who holds connections open to whom, over mTLS or not. Built from records of
// `tcp_open_connections` gauges, whatever source read them (a scrape of each proxy, or a
// Prometheus query): the client side (a proxy's outbound series, which name the destination
// and its `server_id`) and the server side (a meshed server's inbound series, which carry the
// client's `client_id`, or no identity for an unmeshed client). Pure: data in, edges out.
import {noTlsMessage, shortIdentity} from '../mesh/identity.js'

/** One end of an edge: a resource of the requested type. */
export interface EdgeEnd {
  namespace: string
  name: string
}

/** What one connection gauge says about an edge. */
export interface EdgeRecord {
  /** The client's resource; undefined when the client is not meshed (its server cannot name it). */
  src: EdgeEnd | undefined
  dst: EdgeEnd
  /** Which proxy reported it: the client's (outbound) or the server's (inbound). */
  side: 'client' | 'server'
  /** Full mTLS identity of the client ('' when there is none). */
  clientId: string
  /** Full mTLS identity of the server ('' when there is none or the server side reported it). */
  serverId: string
  /** The `tls` label: `true`, `no_identity`, `disabled`, `opaque`. */
  tls: string
  /** The `no_tls_reason` label ('' when TLS is on). */
  noTlsReason: string
  /** Open connections the gauge holds. */
  connections: number
}

export interface Edge {
  src: EdgeEnd | undefined
  dst: EdgeEnd
  clientId: string
  serverId: string
  /** Every connection of the edge is mTLS with an identity on the side that reported it. */
  secured: boolean
  /** Why not, as the label says (`not_provided_by_service_discovery`); '' when secured. */
  noTlsReason: string
  /** Open connections: the clients' count where a client reported the edge, else the servers'. */
  connections: number
  /** Which proxies reported it. */
  seenBy: {client: boolean; server: boolean}
}

/** Why a record is not mTLS with an identity, or undefined when it is. */
function insecurity(record: EdgeRecord): string | undefined {
  const peerId = record.side === 'client' ? record.serverId : record.clientId
  if (record.tls === 'true' && peerId !== '') return undefined
  if (record.noTlsReason !== '') return record.noTlsReason
  if (record.tls === 'true') return record.side === 'client' ? 'no_server_identity' : 'no_client_identity'
  return record.tls === '' ? 'unknown' : record.tls // disabled, opaque
}

const endKey = (end: EdgeEnd | undefined): string => (end ? `${end.namespace}\u0000${end.name}` : '\u0001unmeshed')

export interface EdgeOptions {
  /** Keep edges that start or end in this namespace (undefined: all namespaces). */
  namespace?: string | undefined
}

/**
 * Merges records into one edge per (source, destination) pair. Gauges at 0 are dropped (as viz
 * does); an edge is secured only if every connection reported for it is. Sorted by source
 * namespace, destination namespace, source, destination (viz's order).
 */
export function buildEdges(records: readonly EdgeRecord[], options: EdgeOptions = {}): Edge[] {
  const edges = new Map<string, Edge & {clientConnections: number; serverConnections: number}>()
  for (const record of records) {
    if (!(record.connections > 0)) continue
    const {namespace} = options
    if (namespace !== undefined && record.dst.namespace !== namespace && record.src?.namespace !== namespace) continue
    const key = `${endKey(record.src)}\u0002${endKey(record.dst)}`
    let edge = edges.get(key)
    if (!edge) {
      edge = {clientConnections: 0, clientId: '', connections: 0, dst: record.dst, noTlsReason: '', secured: true, seenBy: {client: false, server: false}, serverConnections: 0, serverId: '', src: record.src}
      edges.set(key, edge)
    }
    edge.seenBy[record.side] = true
    if (record.side === 'client') edge.clientConnections += record.connections
    else edge.serverConnections += record.connections
    edge.clientId ||= record.clientId
    edge.serverId ||= record.serverId
    const reason = insecurity(record)
    if (reason !== undefined && edge.secured) {
      edge.secured = false
      edge.noTlsReason = reason
    }
  }
  return [...edges.values()]
    .map(({clientConnections, serverConnections, ...edge}) => ({...edge, connections: clientConnections > 0 ? clientConnections : serverConnections}))
    .sort(
      (a, b) =>
        cmp(a.src?.namespace ?? '', b.src?.namespace ?? '') ||
        cmp(a.dst.namespace, b.dst.namespace) ||
        cmp(a.src?.name ?? '', b.src?.name ?? '') ||
        cmp(a.dst.name, b.dst.name),
    )
}

/** viz's SECURED text for an unsecured edge: its reason as viz words it. */
export function edgeMessage(edge: Edge): string {
  return edge.secured ? '' : noTlsMessage(edge.noTlsReason)
}

/** Identities as viz edges prints them (`web.emojivoto`). */
export function edgeIdentities(edge: Edge): {client: string; server: string} {
  return {client: shortIdentity(edge.clientId), server: shortIdentity(edge.serverId)}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
