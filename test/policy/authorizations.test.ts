// Which policy objects apply to a workload's pods, with Linkerd's rules (pkg/k8s/policy.go), and
// which default policy covers the rest of their ports.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError, KubeApiError} from '../../src/errors.js'
import type {CustomObject} from '../../src/kube/types.js'
import {authorizationsFor, coveredPorts, defaultPolicyOf, serversFor, uncoveredPorts, type PolicyPodLike} from '../../src/policy/authorizations.js'
import {loadPolicyObjects, type PolicyObjects} from '../../src/policy/objects.js'
import {fakeKube} from '../helpers/fake-kube.js'

const pod = (name: string, labels: Record<string, string>, ports: Array<{containerPort: number; name?: string}>, annotations: Record<string, string> = {}): PolicyPodLike => ({
  metadata: {annotations, labels, name, namespace: 'shop'},
  spec: {
    containers: [{name: 'app', ports}],
    initContainers: [{name: 'linkerd-proxy', ports: [{containerPort: 4143, name: 'linkerd-proxy'}, {containerPort: 4191, name: 'linkerd-admin'}]}],
  },
})
const object = (kind: string, apiVersion: string, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): CustomObject => ({apiVersion, kind, metadata: {name, namespace: 'shop', ...extra}, spec})
const server = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): CustomObject => object('Server', 'policy.linkerd.io/v1beta3', name, spec, {labels})
const policy = (name: string, targetRef: Record<string, unknown>): CustomObject => object('AuthorizationPolicy', 'policy.linkerd.io/v1alpha1', name, {requiredAuthenticationRefs: [], targetRef})

const api = pod('api-1', {app: 'api'}, [{containerPort: 9090, name: 'http'}, {containerPort: 9091, name: 'grpc'}])
const servers = [
  server('api-http', {podSelector: {matchLabels: {app: 'api'}}, port: 'http'}, {tier: 'public'}),
  server('api-grpc', {podSelector: {matchExpressions: [{key: 'app', operator: 'In', values: ['api', 'web']}]}, port: 9091}),
  server('web-http', {podSelector: {matchLabels: {app: 'web'}}, port: 8080}),
  server('no-selector', {port: 9090}),
]

describe('policy objects that apply to pods', () => {
  test('a Server covers a port by number or name, only on pods its selector matches', () => {
    assert.deepEqual(coveredPorts(servers[0] as CustomObject, api), [9090])
    assert.deepEqual(coveredPorts(servers[1] as CustomObject, api), [9091])
    assert.deepEqual(coveredPorts(servers[2] as CustomObject, api), [])
    assert.deepEqual(coveredPorts(servers[3] as CustomObject, api), [], 'a Server without podSelector selects nothing, as Linkerd reads it')
    assert.deepEqual(coveredPorts(servers[0] as CustomObject, {...api, metadata: {...api.metadata, namespace: 'other'}}), [], 'Servers select pods of their own namespace')
    assert.deepEqual(serversFor([api], servers).map((s) => s.metadata?.name), ['api-http', 'api-grpc'])
    // The proxy's own ports are never application ports.
    assert.deepEqual(uncoveredPorts(pod('api-2', {app: 'api'}, [{containerPort: 9090, name: 'http'}, {containerPort: 7000}]), servers), [7000])
  })

  test('authorizations by Server, Namespace and HTTPRoute targets, and ServerAuthorizations', () => {
    const objects: PolicyObjects = {
      authorizationPolicies: [
        policy('to-http', {group: 'policy.linkerd.io', kind: 'Server', name: 'api-http'}),
        policy('to-web', {group: 'policy.linkerd.io', kind: 'Server', name: 'web-http'}),
        policy('whole-namespace', {group: 'core', kind: 'Namespace', name: 'shop'}),
        policy('on-route', {group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'admin-route'}),
        policy('wrong-group', {group: 'example.com', kind: 'Server', name: 'api-http'}),
      ],
      httpRoutes: [object('HTTPRoute', 'policy.linkerd.io/v1beta3', 'admin-route', {parentRefs: [{group: 'policy.linkerd.io', kind: 'Server', name: 'api-grpc'}]})],
      serverAuthorizations: [
        object('ServerAuthorization', 'policy.linkerd.io/v1beta1', 'legacy-by-name', {client: {unauthenticated: true}, server: {name: 'api-http'}}),
        object('ServerAuthorization', 'policy.linkerd.io/v1beta1', 'legacy-by-labels', {client: {meshTLS: {identities: ['*']}}, server: {selector: {matchLabels: {tier: 'public'}}}}),
      ],
      servers,
    }
    const found = authorizationsFor([api], objects).map((a) => `${a.route || '*'} ${a.server} ${a.authorizationPolicy || '-'} ${a.serverAuthorization || '-'}`)
    assert.deepEqual(found.sort(), [
      '* api-grpc whole-namespace -',
      '* api-http - legacy-by-labels',
      '* api-http - legacy-by-name',
      '* api-http to-http -',
      '* api-http whole-namespace -',
      'admin-route api-grpc on-route -',
    ])
  })

  test('the default policy: the pod, its namespace, the cluster, the chart', () => {
    const key = 'config.linkerd.io/default-inbound-policy'
    assert.deepEqual(defaultPolicyOf(pod('a', {}, [], {[key]: 'deny'}), {[key]: 'all-authenticated'}, 'audit'), {policy: 'deny', source: 'pod'})
    assert.deepEqual(defaultPolicyOf(pod('a', {}, [], {[key]: 'deny'}), {[key]: 'deny'}, undefined), {policy: 'deny', sameAsNamespace: true, source: 'pod'})
    assert.deepEqual(defaultPolicyOf(pod('a', {}, []), {[key]: 'all-authenticated'}, 'audit'), {policy: 'all-authenticated', source: 'namespace'})
    assert.deepEqual(defaultPolicyOf(pod('a', {}, []), {}, 'cluster-unauthenticated'), {policy: 'cluster-unauthenticated', source: 'cluster'})
    assert.deepEqual(defaultPolicyOf(pod('a', {}, []), undefined, undefined), {policy: 'all-unauthenticated', source: 'chart'})
  })

  test('loading: the newest served version, none without the CRDs, a warning when forbidden', async () => {
    const old = fakeKube({objects: [{apiVersion: 'policy.linkerd.io/v1beta1', kind: 'Server', metadata: {name: 'old', namespace: 'shop'}, spec: {port: 80}}]})
    const loaded = await loadPolicyObjects(old, 'shop')
    assert.deepEqual(loaded.objects.servers.map((s) => s.metadata?.name), ['old'])
    assert.deepEqual([loaded.objects.authorizationPolicies, loaded.warnings], [[], []])
    const forbidden = fakeKube({failures: {listCustom: (_group, _version, plural) => (plural === 'servers' ? new ClusterError('servers.policy.linkerd.io is forbidden', {code: 'KUBE_FORBIDDEN'}) : undefined)}})
    const partial = await loadPolicyObjects(forbidden, undefined)
    assert.match(partial.warnings.join('\n'), /cannot list servers\.policy\.linkerd\.io \(servers\.policy\.linkerd\.io is forbidden\)/)
    const broken = fakeKube({failures: {listCustom: new KubeApiError('etcd is down', 500)}})
    await assert.rejects(loadPolicyObjects(broken, 'shop'), /etcd is down/)
  })
})
