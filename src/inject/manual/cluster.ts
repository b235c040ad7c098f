// `inject --manual --from-cluster`: the baseline is the chart values the control plane was
// installed with, stored in the `values` key of the `linkerd-config` ConfigMap (as `linkerd
// inject` reads them). Takes the narrow kube interface, so tests hand it a fake.
import {MeshError} from '../../errors.js'
import type {KubeClient} from '../../kube/types.js'
import {chartDefaults, mergeValues, parseValues, type ChartValues} from '../../mesh/values.js'

export const LINKERD_CONFIG = 'linkerd-config'

export async function clusterValues(kube: Pick<KubeClient, 'getConfigMap'>, namespace: string): Promise<ChartValues> {
  const configMap = await kube.getConfigMap(namespace, LINKERD_CONFIG)
  if (!configMap) {
    throw new MeshError(`configmap/${LINKERD_CONFIG} not found in namespace ${namespace}`, {
      code: 'LINKERD_NOT_FOUND',
      hint: `is Linkerd installed there? Give its namespace with -L, or work offline with --values FILE`,
    })
  }
  const text = configMap.data?.values
  if (text === undefined) {
    throw new MeshError(`configmap/${LINKERD_CONFIG} in ${namespace} has no "values" key`, {
      code: 'LINKERD_VALUES_MISSING',
      hint: 'this control plane predates chart values in linkerd-config; give its values with --values FILE',
    })
  }
  // Over the defaults, so settings newer than the installed control plane keep their defaults.
  return mergeValues(chartDefaults(), parseValues(text, `configmap/${LINKERD_CONFIG} (${namespace})`))
}
