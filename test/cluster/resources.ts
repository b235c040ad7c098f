// The API resources the simulated server knows: group, version, plural, kind, scope, short names
// and verbs, as a real 1.32 API server reports them in discovery. CRDs in the store add theirs.

export interface ResourceType {
  categories?: string[]
  group: string
  kind: string
  namespaced: boolean
  plural: string
  shortNames?: string[]
  singular: string
  /** Subresources listed in discovery, e.g. `portforward` on pods. */
  subresources?: Array<{kind: string; name: string; verbs: string[]}>
  verbs: string[]
  version: string
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

function r(group: string, version: string, plural: string, kind: string, namespaced: boolean, shortNames: string[] = [], extra: Partial<ResourceType> = {}): ResourceType {
  return {group, kind, namespaced, plural, singular: kind.toLowerCase(), verbs: RW, version, ...(shortNames.length > 0 ? {shortNames} : {}), ...extra}
}

export const BUILTIN_RESOURCES: ResourceType[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, ['ns'], {verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']}),
  r('', 'v1', 'nodes', 'Node', false, ['no']),
  r('', 'v1', 'pods', 'Pod', true, ['po'], {
    categories: ['all'],
    subresources: [
      {kind: 'PodPortForwardOptions', name: 'portforward', verbs: ['create', 'get']},
      {kind: 'PodProxyOptions', name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update']},
      {kind: 'Pod', name: 'status', verbs: ['get', 'patch', 'update']},
    ],
  }),
  r('', 'v1', 'services', 'Service', true, ['svc'], {categories: ['all'], subresources: [{kind: 'ServiceProxyOptions', name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update']}]}),
  r('', 'v1', 'endpoints', 'Endpoints', true, ['ep']),
  r('', 'v1', 'configmaps', 'ConfigMap', true, ['cm']),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  r('', 'v1', 'events', 'Event', true, ['ev']),
  r('apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], {categories: ['all'], subresources: [{kind: 'Scale', name: 'scale', verbs: ['get', 'patch', 'update']}]}),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], {categories: ['all']}),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts'], {categories: ['all']}),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], {categories: ['all']}),
  r('batch', 'v1', 'jobs', 'Job', true, [], {categories: ['all']}),
  r('batch', 'v1', 'cronjobs', 'CronJob', true, ['cj'], {categories: ['all']}),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds']),
  r('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  r('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  r('apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, [], {verbs: ['create']}),
]

export function groupVersion(t: {group: string; version: string}): string {
  return t.group ? `${t.group}/${t.version}` : t.version
}

/** Registry of resource types: the built-ins plus one entry per served version of each CRD. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>()
  private readonly byKind = new Map<string, ResourceType>()
  readonly all: ResourceType[] = []

  constructor(types: ResourceType[] = BUILTIN_RESOURCES) {
    for (const t of types) this.add(t)
  }

  add(t: ResourceType): void {
    const key = `${groupVersion(t)}/${t.plural}`
    if (this.byPath.has(key)) return
    this.byPath.set(key, t)
    if (!this.byKind.has(`${t.group}/${t.kind}`)) this.byKind.set(`${t.group}/${t.kind}`, t)
    this.all.push(t)
  }

  /** Adds the resource types a CustomResourceDefinition object declares. */
  addCrd(crd: Record<string, unknown>): void {
    const spec = crd.spec as {group: string; names: {kind: string; plural: string; shortNames?: string[]; singular?: string}; scope: string; versions: Array<{name: string; served?: boolean}>}
    for (const v of spec.versions) {
      if (v.served === false) continue
      this.add({
        group: spec.group,
        kind: spec.names.kind,
        namespaced: spec.scope === 'Namespaced',
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        verbs: RW,
        version: v.name,
        ...(spec.names.shortNames ? {shortNames: spec.names.shortNames} : {}),
      })
    }
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${groupVersion({group, version})}/${plural}`)
  }

  forKind(group: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${group}/${kind}`)
  }

  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const t of this.all) {
      if (t.group === '') continue
      const versions = out.get(t.group) ?? []
      if (!versions.includes(t.version)) versions.push(t.version)
      out.set(t.group, versions)
    }
    return out
  }
}
