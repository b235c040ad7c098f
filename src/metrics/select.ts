// Which proxy series count for a stat row. Inbound (the default) reads the pod's own server-side
// series; `--to` reads its client-side (outbound) series towards the destination; `--from`
// keeps inbound series whose mTLS client identity belongs to the source workload.
import {parseIdentity} from '../mesh/identity.js'
import type {Labels} from './types.js'

export type Direction = 'inbound' | 'outbound'

export interface TrafficSelector {
  direction: Direction
  /** The pod's admin port: its series are the scrapes themselves (and probes), not app traffic. */
  adminPort: number
  includeAdmin: boolean
  /** Extra condition on a series' labels (the --to / --from filter). */
  match?: (labels: Labels) => boolean
}

/** For request/response/latency families. */
export function selectsHttp(labels: Labels, selector: TrafficSelector): boolean {
  if (labels.direction !== selector.direction) return false
  if (!selector.includeAdmin && selector.direction === 'inbound' && labels.target_port === String(selector.adminPort)) return false
  return selector.match ? selector.match(labels) : true
}

/**
 * For tcp_* families. Bytes use the accepting side inbound (`peer="src"`) and the connecting side
 * outbound (`peer="dst"`), as viz does; TCP_CONN (`bytes: false`) keeps both peers inbound.
 */
export function selectsTcp(labels: Labels, selector: TrafficSelector, bytes: boolean): boolean {
  if (labels.direction !== selector.direction) return false
  if (selector.direction === 'outbound' && labels.peer !== 'dst') return false
  if (selector.direction === 'inbound' && bytes && labels.peer !== 'src') return false
  if (!selector.includeAdmin && selector.direction === 'inbound' && labels.target_port === String(selector.adminPort)) return false
  return selector.match ? selector.match(labels) : true
}

/** `--to`: outbound series whose destination labels name the resource. */
export interface DestinationFilter {
  namespace: string
  /** Destination pods (a workload resolved to its pods); undefined means any pod in the namespace. */
  pods?: ReadonlySet<string>
  /** A Service name (`dst_service`). */
  service?: string
}

export function destinationMatcher(filter: DestinationFilter): (labels: Labels) => boolean {
  return (labels) => {
    if (labels.dst_namespace !== filter.namespace) return false
    if (filter.service !== undefined && labels.dst_service !== filter.service) return false
    if (filter.pods && !filter.pods.has(labels.dst_pod ?? '')) return false
    return true
  }
}

/** `--from`: inbound series whose `client_id` is one of the source's identities. */
export interface SourceFilter {
  namespace: string
  /** Service accounts of the source pods; undefined means any identity of the namespace. */
  serviceAccounts?: ReadonlySet<string>
}

export function sourceMatcher(filter: SourceFilter): (labels: Labels) => boolean {
  return (labels) => {
    const client = parseIdentity(labels.client_id)
    if (!client || client.namespace !== filter.namespace) return false
    return filter.serviceAccounts ? filter.serviceAccounts.has(client.serviceAccount) : true
  }
}
