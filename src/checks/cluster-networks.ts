// Linkerd's clusterNetworks (linkerd-config values): the ranges the proxy treats as in-cluster.
// Traffic to an address outside them is sent as to an external host: no mTLS, no policy, no
// service discovery. Nodes' pod ranges, pods' IPs and services' cluster IPs must all be inside.
import type {V1Node, V1Pod, V1Service} from '../kube/types.js'
import {chartDefaults} from '../mesh/values.js'
import {Networks, parseCidr, type Cidr} from '../util/cidr.js'
import type {LinkerdValues} from './linkerd.js'
import {podName} from './pods.js'

export interface ClusterNetworks {
  /** As written in the values (the chart default when they do not set it). */
  text: string
  networks: Networks
}

/** The control plane's clusterNetworks; throws naming the entry that is not a CIDR. */
export function clusterNetworksOf(values: LinkerdValues): ClusterNetworks {
  const text = values.clusterNetworks ?? String(chartDefaults().clusterNetworks)
  const cidrs: Cidr[] = []
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const cidr = parseCidr(item)
    if (!cidr) throw new Error(`clusterNetworks in linkerd-config holds "${item}", which is not a CIDR`)
    cidrs.push(cidr)
  }
  return {text, networks: new Networks(cidrs)}
}

/** The hint Linkerd gives for node ranges outside: the value to install with, escaped for `--set`. */
export const setClusterNetworksHint = (ranges: readonly string[]) => `Try installing linkerd via --set clusterNetworks="${[...new Set(ranges)].sort().join('\\,')}"`

/** Nodes whose pod range (spec.podCIDR, the primary one) is outside; undefined when no node has one. */
export function nodeCidrProblems(nodes: readonly V1Node[], cn: ClusterNetworks): Array<{node: string; cidr: string}> | undefined {
  const cidrOf = (node: V1Node) => node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0]
  const withCidr = nodes.filter((node) => cidrOf(node) !== undefined)
  if (withCidr.length === 0) return undefined
  return withCidr.flatMap((node) => {
    const text = cidrOf(node) as string
    const cidr = parseCidr(text)
    return cidr && cn.networks.containsCidr(cidr) ? [] : [{node: node.metadata?.name ?? '?', cidr: text}]
  })
}

/** Pods whose primary IP is outside (host-network pods share the node's address and are skipped). */
export function podIpProblems(pods: readonly V1Pod[], cn: ClusterNetworks): string[] {
  return pods
    .filter((pod) => !pod.spec?.hostNetwork && pod.status?.podIP && !cn.networks.containsIp(pod.status.podIP))
    .map((pod) => `${podName(pod)} (${pod.status?.podIP ?? ''})`)
}

/** Services whose cluster IP is outside (headless services have none). */
export function serviceIpProblems(services: readonly V1Service[], cn: ClusterNetworks): string[] {
  return services
    .filter((svc) => {
      const ip = svc.spec?.clusterIP
      return ip !== undefined && ip !== '' && ip !== 'None' && !cn.networks.containsIp(ip)
    })
    .map((svc) => `service/${svc.metadata?.name ?? '?'} in ${svc.metadata?.namespace ?? '?'} (${svc.spec?.clusterIP ?? ''})`)
}
