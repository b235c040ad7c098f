// Linkerd's policy resources (policy.linkerd.io) read from the cluster: Servers, the
// AuthorizationPolicies and ServerAuthorizations that admit clients to them, and the HTTPRoutes
// policies may target. A cluster without Linkerd's CRDs has none; a list RBAC forbids is a warning,
// not a failure: `viz authz` still reads the proxies' own series.
import {KubeApiError, MeshError} from '../errors.js'
import {KubeErrorCode, type CustomObject, type KubeClient} from '../kube/types.js'

export const POLICY_GROUP = 'policy.linkerd.io'

export interface PolicyObjects {
  servers: CustomObject[]
  authorizationPolicies: CustomObject[]
  serverAuthorizations: CustomObject[]
  httpRoutes: CustomObject[]
}

// Newest served version first: a cluster with older CRDs (Linkerd < 2.15) serves an older one.
const RESOURCES: ReadonlyArray<{field: keyof PolicyObjects; plural: string; versions: readonly string[]}> = [
  {field: 'servers', plural: 'servers', versions: ['v1beta3', 'v1beta2', 'v1beta1']},
  {field: 'authorizationPolicies', plural: 'authorizationpolicies', versions: ['v1alpha1']},
  {field: 'serverAuthorizations', plural: 'serverauthorizations', versions: ['v1beta1']},
  {field: 'httpRoutes', plural: 'httproutes', versions: ['v1beta3', 'v1beta2', 'v1beta1']},
]

/** Lists the policy objects of one namespace (all when undefined); `warnings` says what could not be read. */
export async function loadPolicyObjects(kube: KubeClient, namespace: string | undefined): Promise<{objects: PolicyObjects; warnings: string[]}> {
  const warnings: string[] = []
  const objects: PolicyObjects = {authorizationPolicies: [], httpRoutes: [], serverAuthorizations: [], servers: []}
  await Promise.all(
    RESOURCES.map(async ({field, plural, versions}) => {
      for (const version of versions) {
        try {
          objects[field] = await kube.listCustom(POLICY_GROUP, version, plural, namespace)
          return
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 404) continue // not served in this version, or no CRD at all
          if (err instanceof MeshError && err.code === KubeErrorCode.forbidden) {
            warnings.push(`cannot list ${plural}.${POLICY_GROUP} (${err.message}): policy objects without traffic are not shown`)
            return
          }
          throw err
        }
      }
    }),
  )
  return {objects, warnings}
}
