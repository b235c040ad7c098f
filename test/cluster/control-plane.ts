// The objects `linkerd install` (edge-26.8) leaves in a cluster, as far as check, viz stat and
// diagnose look at them: namespace, config maps, the issuer Secret (a real certificate with the
// scenario's lifetime), service accounts, services, CRDs, webhook configurations, cluster roles.
// The control-plane Deployments themselves go through build.ts like any other workload.
import {stringify} from 'yaml'

import {timestamp, uid} from './names.js'
import {createCertificate, type LinkerdPki} from './pki.js'
import type {LinkerdSpec} from './scenario.js'

type Json = Record<string, unknown>

export interface ControlPlaneWorkload {
  component: string
  containers: Json[]
  name: string
  ports: Array<{name: string; port: number; targetPort: number}>
  serviceAccount: string
  /** The component's main Service (linkerd-dst for destination). */
  serviceName: string
}

function meta(name: string, namespace: string | undefined, created: number, extra: Json = {}): Json {
  return {creationTimestamp: timestamp(created), name, ...(namespace ? {namespace} : {}), resourceVersion: '1', uid: uid(`${namespace ?? ''}/${name}`), ...extra}
}

const CP_LABELS = (l: LinkerdSpec, component: string): Record<string, string> => ({
  'app.kubernetes.io/name': component,
  'app.kubernetes.io/part-of': 'Linkerd',
  'app.kubernetes.io/version': l.version,
  'linkerd.io/control-plane-component': component,
  'linkerd.io/control-plane-ns': l.namespace,
})

export function controlPlaneWorkloads(l: LinkerdSpec): ControlPlaneWorkload[] {
  const image = (name: string): string => `cr.l5d.io/linkerd/${name}:${l.version}`
  const http = (name: string, port: number): Json => ({containerPort: port, name, protocol: 'TCP'})
  return [
    {
      component: 'destination',
      containers: [
        {args: ['destination', '-addr=:8086', '-controller-namespace=' + l.namespace], image: image('controller'), name: 'destination', ports: [http('grpc', 8086), http('admin-http', 9996)]},
        {args: ['sp-validator', '-log-level=info'], image: image('controller'), name: 'sp-validator', ports: [http('sp-validator', 8443), http('admin-http', 9997)]},
        {args: ['--admin-addr=0.0.0.0:9990', '--grpc-addr=0.0.0.0:8090'], image: image('policy-controller'), name: 'policy', ports: [http('grpc', 8090), http('admin-http', 9990), http('policy-https', 9443)]},
      ],
      name: 'linkerd-destination',
      ports: [{name: 'grpc', port: 8086, targetPort: 8086}],
      serviceAccount: 'linkerd-destination',
      serviceName: 'linkerd-dst',
    },
    {
      component: 'identity',
      containers: [{args: ['identity', '-log-level=info'], image: image('controller'), name: 'identity', ports: [http('grpc', 8080), http('admin-http', 9990)]}],
      name: 'linkerd-identity',
      ports: [{name: 'grpc', port: 8080, targetPort: 8080}],
      serviceAccount: 'linkerd-identity',
      serviceName: 'linkerd-identity',
    },
    {
      component: 'proxy-injector',
      containers: [{args: ['proxy-injector', '-log-level=info'], image: image('controller'), name: 'proxy-injector', ports: [http('proxy-injector', 8443), http('admin-http', 9995)]}],
      name: 'linkerd-proxy-injector',
      ports: [{name: 'proxy-injector', port: 443, targetPort: 8443}],
      serviceAccount: 'linkerd-proxy-injector',
      serviceName: 'linkerd-proxy-injector',
    },
  ]
}

export const LINKERD_CRDS: Array<{group: string; kind: string; plural: string; scope: 'Namespaced' | 'Cluster'; versions: string[]}> = [
  {group: 'policy.linkerd.io', kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', scope: 'Namespaced', versions: ['v1alpha1']},
  {group: 'policy.linkerd.io', kind: 'EgressNetwork', plural: 'egressnetworks', scope: 'Namespaced', versions: ['v1alpha1']},
  {group: 'policy.linkerd.io', kind: 'HTTPLocalRateLimitPolicy', plural: 'httplocalratelimitpolicies', scope: 'Namespaced', versions: ['v1alpha1']},
  {group: 'policy.linkerd.io', kind: 'HTTPRoute', plural: 'httproutes', scope: 'Namespaced', versions: ['v1beta1', 'v1beta2', 'v1beta3']},
  {group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', plural: 'meshtlsauthentications', scope: 'Namespaced', versions: ['v1alpha1']},
  {group: 'policy.linkerd.io', kind: 'NetworkAuthentication', plural: 'networkauthentications', scope: 'Namespaced', versions: ['v1alpha1']},
  {group: 'policy.linkerd.io', kind: 'ServerAuthorization', plural: 'serverauthorizations', scope: 'Namespaced', versions: ['v1beta1']},
  {group: 'policy.linkerd.io', kind: 'Server', plural: 'servers', scope: 'Namespaced', versions: ['v1beta1', 'v1beta2', 'v1beta3']},
  {group: 'linkerd.io', kind: 'ServiceProfile', plural: 'serviceprofiles', scope: 'Namespaced', versions: ['v1alpha1', 'v1alpha2']},
  {group: 'workload.linkerd.io', kind: 'ExternalWorkload', plural: 'externalworkloads', scope: 'Namespaced', versions: ['v1alpha1', 'v1beta1']},
]

export function controlPlaneObjects(l: LinkerdSpec, pki: LinkerdPki, created: number): Json[] {
  const ns = l.namespace
  const objects: Json[] = []
  const b64 = (text: string): string => Buffer.from(text).toString('base64')

  objects.push({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(ns, undefined, created, {
      annotations: {'linkerd.io/inject': 'disabled'},
      labels: {'config.linkerd.io/admission-webhooks': 'disabled', 'kubernetes.io/metadata.name': ns, 'linkerd.io/control-plane-ns': ns, 'linkerd.io/is-control-plane': 'true'},
    }),
    spec: {finalizers: ['kubernetes']},
    status: {phase: 'Active'},
  })

  const values = {
    cliVersion: `linkerd/cli ${l.version}`,
    clusterDomain: l.clusterDomain,
    clusterNetworks: l.clusterNetworks,
    cniEnabled: l.cni !== undefined,
    controllerImage: 'cr.l5d.io/linkerd/controller',
    controllerReplicas: l.replicas,
    highAvailability: l.highAvailability,
    identity: {issuer: {scheme: 'kubernetes.io/tls'}},
    identityTrustAnchorsPEM: pki.trustAnchor.certPem,
    identityTrustDomain: l.trustDomain,
    linkerdVersion: l.version,
    proxy: {
      defaultInboundPolicy: l.defaultInboundPolicy,
      image: {name: 'cr.l5d.io/linkerd/proxy', version: ''},
      nativeSidecar: true,
      ports: {admin: 4191, control: 4190, inbound: 4143, outbound: 4140},
    },
    proxyInit: {runAsRoot: false},
  }
  objects.push({
    apiVersion: 'v1',
    data: {'linkerd-crds-chart-version': `linkerd-crds-${l.version}`, values: stringify(values)},
    kind: 'ConfigMap',
    metadata: meta('linkerd-config', ns, created, {annotations: {'linkerd.io/created-by': `linkerd/helm ${l.version}`}, labels: CP_LABELS(l, 'controller')}),
  })
  objects.push({
    apiVersion: 'v1',
    data: {'ca-bundle.crt': pki.trustAnchor.certPem},
    kind: 'ConfigMap',
    metadata: meta('linkerd-identity-trust-roots', ns, created, {labels: CP_LABELS(l, 'identity')}),
  })
  objects.push({
    apiVersion: 'v1',
    // cert-manager writes the issuer, then the intermediates above it, into tls.crt.
    data: {'ca.crt': b64(pki.trustAnchor.certPem), 'tls.crt': b64(pki.issuer.certPem + (l.issuerIntermediate === 'bundled' ? (pki.intermediate?.certPem ?? '') : '')), 'tls.key': b64(pki.issuer.keyPem)},
    kind: 'Secret',
    metadata: meta('linkerd-identity-issuer', ns, created, {labels: CP_LABELS(l, 'identity')}),
    type: 'kubernetes.io/tls',
  })

  for (const sa of ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector', 'linkerd-heartbeat']) {
    objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(sa, ns, created, {labels: CP_LABELS(l, sa.replace('linkerd-', ''))})})
  }
  // linkerd install's heartbeat CronJob (anonymous usage report); it has no running Job.
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('linkerd-heartbeat', ns, created, {labels: {...CP_LABELS(l, 'heartbeat'), 'app.kubernetes.io/name': 'heartbeat'}}),
    spec: {
      concurrencyPolicy: 'Replace',
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: {},
        spec: {
          template: {
            metadata: {annotations: {'linkerd.io/inject': 'disabled'}, labels: {'linkerd.io/control-plane-component': 'heartbeat', 'linkerd.io/workload-ns': ns}},
            spec: {
              containers: [{args: ['heartbeat', `-controller-namespace=${ns}`, '-log-level=info'], image: `cr.l5d.io/linkerd/controller:${l.version}`, name: 'heartbeat'}],
              restartPolicy: 'Never',
              serviceAccountName: 'linkerd-heartbeat',
            },
          },
        },
      },
      schedule: '1 23 * * *',
      successfulJobsHistoryLimit: 0,
      suspend: false,
    },
    status: {},
  })
  for (const role of ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector', 'linkerd-policy']) {
    const name = `linkerd-${ns}-${role.replace('linkerd-', '')}`
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(name, undefined, created, {labels: CP_LABELS(l, role.replace('linkerd-', ''))}),
      rules: [{apiGroups: [''], resources: ['pods', 'endpoints', 'services', 'namespaces'], verbs: ['list', 'get', 'watch']}],
    })
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(name, undefined, created, {labels: CP_LABELS(l, role.replace('linkerd-', ''))}),
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
      subjects: [{kind: 'ServiceAccount', name: role === 'linkerd-policy' ? 'linkerd-destination' : role, namespace: ns}],
    })
  }

  for (const crd of LINKERD_CRDS) {
    objects.push({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: meta(`${crd.plural}.${crd.group}`, undefined, created, {
        annotations: {'linkerd.io/created-by': `linkerd/helm ${l.version}`},
        labels: {'helm.sh/chart': `linkerd-crds-${l.version}`, 'linkerd.io/control-plane-ns': ns},
      }),
      spec: {
        group: crd.group,
        names: {kind: crd.kind, listKind: `${crd.kind}List`, plural: crd.plural, singular: crd.kind.toLowerCase()},
        scope: crd.scope,
        versions: crd.versions.map((v, i) => ({name: v, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}, served: true, storage: i === crd.versions.length - 1})),
      },
      status: {
        acceptedNames: {kind: crd.kind, plural: crd.plural},
        conditions: [
          {lastTransitionTime: timestamp(created), message: 'no conflicts found', reason: 'NoConflicts', status: 'True', type: 'NamesAccepted'},
          {lastTransitionTime: timestamp(created), message: 'the initial names have been accepted', reason: 'InitialNamesAccepted', status: 'True', type: 'Established'},
        ],
        storedVersions: [crd.versions[crd.versions.length - 1]],
      },
    })
  }

  const caBundle = b64(pki.trustAnchor.certPem)
  // The webhooks' serving certificates, as `linkerd install` creates them (Secrets
  // linkerd-<component>-k8s-tls, valid for linkerd-<component>.<ns>.svc), signed by the CA in the
  // caBundle above, so `check` can verify them like Linkerd does.
  for (const component of ['proxy-injector', 'sp-validator', 'policy-validator']) {
    const host = `linkerd-${component}.${ns}.svc`
    const cert = createCertificate({
      issuer: pki.trustAnchor,
      notAfter: new Date(created + 365 * 24 * 3_600_000),
      notBefore: new Date(created - 24 * 3_600_000),
      sans: {dns: [host]},
      subject: {cn: host},
      usage: 'server',
    })
    objects.push({
      apiVersion: 'v1',
      data: {'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem)},
      kind: 'Secret',
      metadata: meta(`linkerd-${component}-k8s-tls`, ns, created, {labels: CP_LABELS(l, component === 'proxy-injector' ? 'proxy-injector' : 'destination')}),
      type: 'kubernetes.io/tls',
    })
  }
  objects.push({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta('linkerd-proxy-injector-webhook-config', undefined, created, {labels: CP_LABELS(l, 'proxy-injector')}),
    webhooks: [
      {
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: {caBundle, service: {name: 'linkerd-proxy-injector', namespace: ns, path: '/', port: 443}},
        failurePolicy: 'Ignore',
        matchPolicy: 'Equivalent',
        name: 'linkerd-proxy-injector.linkerd.io',
        namespaceSelector: {
          matchExpressions: [
            {key: 'config.linkerd.io/admission-webhooks', operator: 'NotIn', values: ['disabled']},
            {key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'cert-manager']},
          ],
        },
        objectSelector: {matchExpressions: [{key: 'linkerd.io/control-plane-component', operator: 'DoesNotExist'}, {key: 'linkerd.io/cni-resource', operator: 'DoesNotExist'}]},
        reinvocationPolicy: 'Never',
        rules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods', 'services'], scope: 'Namespaced'}],
        sideEffects: 'None',
        timeoutSeconds: 10,
      },
    ],
  })
  for (const [name, service, path, resources] of [
    ['linkerd-sp-validator-webhook-config', 'linkerd-sp-validator', '/', [{apiGroups: ['linkerd.io'], apiVersions: ['v1alpha1', 'v1alpha2'], operations: ['CREATE', 'UPDATE'], resources: ['serviceprofiles']}]],
    ['linkerd-policy-validator-webhook-config', 'linkerd-policy-validator', '/', [{apiGroups: ['policy.linkerd.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['authorizationpolicies', 'httproutes', 'networkauthentications', 'meshtlsauthentications', 'serverauthorizations', 'servers', 'egressnetworks']}]],
  ] as const) {
    objects.push({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: meta(name, undefined, created, {labels: CP_LABELS(l, 'destination')}),
      webhooks: [
        {
          admissionReviewVersions: ['v1', 'v1beta1'],
          clientConfig: {caBundle, service: {name: service, namespace: ns, path, port: 443}},
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          name: `${service}.linkerd.io`,
          namespaceSelector: {matchExpressions: [{key: 'config.linkerd.io/admission-webhooks', operator: 'NotIn', values: ['disabled']}]},
          rules: resources,
          sideEffects: 'None',
          timeoutSeconds: 10,
        },
      ],
    })
  }
  return objects
}

export interface ExtraService {
  component: string
  headless: boolean
  name: string
  port: number
  portName: string
  targetPort: number
}

/** Services of the control plane beyond one per component: headless and validator services. */
export const CONTROL_PLANE_EXTRA_SERVICES: ExtraService[] = [
  {component: 'destination', headless: true, name: 'linkerd-dst-headless', port: 8086, portName: 'grpc', targetPort: 8086},
  {component: 'destination', headless: false, name: 'linkerd-sp-validator', port: 443, portName: 'sp-validator', targetPort: 8443},
  {component: 'destination', headless: true, name: 'linkerd-policy', port: 8090, portName: 'grpc', targetPort: 8090},
  {component: 'destination', headless: false, name: 'linkerd-policy-validator', port: 443, portName: 'policy-https', targetPort: 9443},
  {component: 'identity', headless: true, name: 'linkerd-identity-headless', port: 8080, portName: 'grpc', targetPort: 8080},
]
