// What the default inbound policy of a pod depends on beyond the pod: its namespace's
// annotations and the cluster-wide default the control plane was installed with (linkerd-config
// `proxy.defaultInboundPolicy`). Unreadable objects fall back to the next source, with a warning.
import {LINKERD_CONFIG, parseLinkerdValues} from '../checks/linkerd.js'
import type {KubeClient} from '../kube/types.js'

export interface DefaultPolicyInputs {
  namespaceAnnotations: Map<string, Record<string, string>>
  clusterDefault: string | undefined
  warnings: string[]
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export async function loadDefaultPolicyInputs(kube: KubeClient, namespaces: readonly string[], controlPlaneNamespace: string): Promise<DefaultPolicyInputs> {
  const warnings: string[] = []
  const namespaceAnnotations = new Map<string, Record<string, string>>()
  const readNamespace = async (name: string): Promise<void> => {
    try {
      namespaceAnnotations.set(name, (await kube.getNamespace(name))?.metadata?.annotations ?? {})
    } catch (err) {
      warnings.push(`cannot read namespace ${name} (${message(err)}): its default-inbound-policy annotation is not known`)
    }
  }
  const readCluster = async (): Promise<string | undefined> => {
    try {
      const text = (await kube.getConfigMap(controlPlaneNamespace, LINKERD_CONFIG))?.data?.values
      if (text === undefined) return undefined
      const proxy = parseLinkerdValues(text).raw.proxy as Record<string, unknown> | undefined
      return typeof proxy?.defaultInboundPolicy === 'string' && proxy.defaultInboundPolicy !== '' ? proxy.defaultInboundPolicy : undefined
    } catch (err) {
      warnings.push(`cannot read configmap/${LINKERD_CONFIG} in ${controlPlaneNamespace} (${message(err)}): the cluster's default inbound policy is taken to be the chart's`)
      return undefined
    }
  }
  const [clusterDefault] = await Promise.all([readCluster(), ...namespaces.map(readNamespace)])
  return {clusterDefault, namespaceAnnotations, warnings}
}
