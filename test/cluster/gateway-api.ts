// The Gateway API CRDs a cluster prepared for Linkerd holds (Linkerd's install docs apply Gateway
// API's standard-install.yaml first; Linkerd's CRD chart can install them too). The scenario's
// `gatewayApi` says which: `external` (default, Gateway API v1.2.1 applied by hand), `linkerd`
// (installed by Linkerd's chart, annotated linkerd.io/created-by), `unsupported` (Gateway API
// v0.8, which serves no `v1` GRPCRoute), `absent`.
import {timestamp, uid} from './names.js'

type Json = Record<string, unknown>

export const GATEWAY_API_MODES = ['external', 'linkerd', 'unsupported', 'absent'] as const
export type GatewayApiMode = (typeof GATEWAY_API_MODES)[number]

const GROUP = 'gateway.networking.k8s.io'

export function gatewayApiCrds(mode: GatewayApiMode, linkerdVersion: string | undefined, created: number): Json[] {
  if (mode === 'absent') return []
  const old = mode === 'unsupported'
  const bundle = old ? 'v0.8.1' : mode === 'linkerd' ? 'v1.1.1' : 'v1.2.1'
  const kinds = [
    {kind: 'HTTPRoute', plural: 'httproutes', versions: old ? ['v1beta1', 'v1alpha2'] : ['v1', 'v1beta1']},
    {kind: 'GRPCRoute', plural: 'grpcroutes', versions: old ? ['v1alpha2'] : ['v1']},
  ]
  return kinds.map(({kind, plural, versions}) => {
    const name = `${plural}.${GROUP}`
    const annotations: Record<string, string> = {'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2466', [`${GROUP}/bundle-version`]: bundle, [`${GROUP}/channel`]: old ? 'experimental' : 'standard'}
    if (mode === 'linkerd') annotations['linkerd.io/created-by'] = `linkerd/helm ${linkerdVersion ?? 'edge-26.8.3'}`
    // The storage version is the newest (first listed).
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {annotations, creationTimestamp: timestamp(created), name, resourceVersion: '1', uid: uid(`/${name}/CustomResourceDefinition`)},
      spec: {
        group: GROUP,
        names: {categories: ['gateway-api'], kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase()},
        scope: 'Namespaced',
        versions: versions.map((v, i) => ({name: v, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}, served: true, storage: i === 0, subresources: {status: {}}})),
      },
      status: {
        acceptedNames: {kind, plural},
        conditions: [{lastTransitionTime: timestamp(created), message: 'the initial names have been accepted', reason: 'InitialNamesAccepted', status: 'True', type: 'Established'}],
        storedVersions: [versions[0]],
      },
    }
  })
}
