// The simulated proxies authorize inbound traffic the way Linkerd's policy controller configures
// them (test/cluster/proxy/policy.ts): Servers, AuthorizationPolicies with MeshTLS and Network
// authentications, default policies from annotations and linkerd-config; and the metrics follow.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parse} from 'yaml'

import {buildCluster, type SimPod} from './build.js'
import {defaultAdmits, inboundPolicy, inCidr, type PolicyPod} from './proxy/policy.js'
import {renderProxyMetrics} from './proxy/metrics-text.js'
import {newAdminCounters, proxyMetrics} from './proxy/traffic.js'
import {loadScenario, normalizeScenario, ScenarioError} from './scenario.js'
import {samples, sum, type SampleLine} from './support/samples.js'

const ID = (sa: string, ns: string): string => `${sa}.${ns}.serviceaccount.identity.linkerd.cluster.local`

describe('simulated authorization policy', () => {
  const pod: PolicyPod = {defaultPolicy: 'all-unauthenticated', labels: {app: 'api', tier: 'back'}, namespace: 'shop', ports: [{containerPort: 9090, name: 'http'}, {containerPort: 9091, name: 'admin'}]}
  const server = (name: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z'): Record<string, unknown> => ({apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: {creationTimestamp: created, name, namespace: 'shop'}, spec})
  const policy = (name: string, target: Record<string, unknown>, refs: Array<Record<string, unknown>>): Record<string, unknown> => ({
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: {name, namespace: 'shop'},
    spec: {requiredAuthenticationRefs: refs, targetRef: target},
  })
  const meshTls = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: {name, namespace: 'shop'}, spec})
  const web = {identity: ID('web', 'shop'), ip: '10.42.0.5'}
  const outsider = {identity: undefined, ip: '203.0.113.9'}
  const unmeshed = {identity: undefined, ip: '10.42.1.8'}

  test('default policies', () => {
    assert.ok(defaultAdmits('all-unauthenticated', outsider))
    assert.ok(defaultAdmits('audit', outsider))
    assert.ok(!defaultAdmits('all-authenticated', unmeshed))
    assert.ok(defaultAdmits('all-authenticated', web))
    assert.ok(defaultAdmits('cluster-unauthenticated', unmeshed))
    assert.ok(!defaultAdmits('cluster-unauthenticated', outsider))
    assert.ok(!defaultAdmits('cluster-authenticated', unmeshed))
    assert.ok(!defaultAdmits('deny', web))
    assert.ok(inCidr('10.42.1.8', '10.0.0.0/8') && !inCidr('11.0.0.1', '10.0.0.0/8') && inCidr('192.168.3.4', '192.168.3.4/32'))
    assert.deepEqual(inboundPolicy([], {...pod, defaultPolicy: 'deny'}, 9090, web), {authz: undefined, server: [['srv_group', ''], ['srv_kind', 'default'], ['srv_name', 'deny']]})
  })

  test('a Server by port number or name, the oldest of several; its policies by target', () => {
    const objects = [
      server('by-name', {podSelector: {matchLabels: {app: 'api'}}, port: 'http'}, '2026-02-01T00:00:00Z'),
      server('by-number', {podSelector: {matchExpressions: [{key: 'tier', operator: 'In', values: ['back']}]}, port: 9090}, '2026-01-01T00:00:00Z'),
      server('other-pods', {podSelector: {matchLabels: {app: 'web'}}, port: 9090}),
      meshTls('web-only', {identityRefs: [{kind: 'ServiceAccount', name: 'web'}]}),
      policy('from-web', {group: 'policy.linkerd.io', kind: 'Server', name: 'by-number'}, [{group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-only'}]),
    ]
    const decided = inboundPolicy(objects, pod, 9090, web)
    assert.deepEqual(decided.server, [['srv_group', 'policy.linkerd.io'], ['srv_kind', 'server'], ['srv_name', 'by-number']])
    assert.deepEqual(decided.authz, [['authz_group', 'policy.linkerd.io'], ['authz_kind', 'authorizationpolicy'], ['authz_name', 'from-web']])
    // Not admitted: the Server's accessPolicy (deny by default) applies.
    assert.equal(inboundPolicy(objects, pod, 9090, {identity: ID('bot', 'shop'), ip: '10.42.0.6'}).authz, undefined)
    assert.equal(inboundPolicy(objects, pod, 9090, unmeshed).authz, undefined)
    // The port no Server covers falls back to the default policy.
    assert.deepEqual(inboundPolicy(objects, pod, 9091, unmeshed).server[2], ['srv_name', 'all-unauthenticated'])
    // An accessPolicy other than deny admits the rest.
    const open = [server('audited', {accessPolicy: 'audit', podSelector: {}, port: 9090})]
    assert.deepEqual(inboundPolicy(open, pod, 9090, outsider).authz, [['authz_group', ''], ['authz_kind', 'default'], ['authz_name', 'audit']])
  })

  test('MeshTLS identities and wildcards, namespace targets, networks with exceptions, missing references', () => {
    const base = [server('api', {podSelector: {}, port: 9090})]
    const admits = (objects: Array<Record<string, unknown>>, client: {identity: string | undefined; ip: string}): boolean => inboundPolicy([...base, ...objects], pod, 9090, client).authz !== undefined
    const ns = {kind: 'Namespace', name: 'shop'}
    const ref = (kind: string, name: string): Record<string, unknown> => ({group: 'policy.linkerd.io', kind, name})
    assert.ok(admits([meshTls('m', {identities: ['*.shop.serviceaccount.identity.linkerd.cluster.local']}), policy('p', ns, [ref('MeshTLSAuthentication', 'm')])], web))
    assert.ok(!admits([meshTls('m', {identities: ['*.ops.serviceaccount.identity.linkerd.cluster.local']}), policy('p', ns, [ref('MeshTLSAuthentication', 'm')])], web))
    assert.ok(admits([meshTls('m', {identities: ['*']}), policy('p', ns, [ref('MeshTLSAuthentication', 'm')])], web))
    assert.ok(!admits([meshTls('m', {identities: ['*']}), policy('p', ns, [ref('MeshTLSAuthentication', 'm')])], unmeshed))
    assert.ok(admits([meshTls('m', {identityRefs: [{kind: 'Namespace', name: 'shop'}]}), policy('p', ns, [ref('MeshTLSAuthentication', 'm')])], web))
    const net = {apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'NetworkAuthentication', metadata: {name: 'n', namespace: 'shop'}, spec: {networks: [{cidr: '10.42.0.0/16', except: ['10.42.1.0/24']}]}}
    assert.ok(admits([net, policy('p', ns, [ref('NetworkAuthentication', 'n')])], web))
    assert.ok(!admits([net, policy('p', ns, [ref('NetworkAuthentication', 'n')])], unmeshed))
    // Both references must hold; a reference to nothing admits nobody; a bare ServiceAccount reference.
    assert.ok(!admits([net, meshTls('m', {identities: ['*']}), policy('p', ns, [ref('NetworkAuthentication', 'n'), ref('MeshTLSAuthentication', 'm')])], {identity: undefined, ip: '10.42.0.5'}))
    assert.ok(!admits([policy('p', ns, [ref('MeshTLSAuthentication', 'ghost')])], web))
    assert.ok(admits([policy('p', ns, [{kind: 'ServiceAccount', name: 'web'}])], web))
    assert.ok(admits([policy('p', {kind: 'Namespace', name: 'other'}, [])], web), 'a Namespace target is the policy\'s own namespace')
    assert.ok(!admits([policy('p', {group: 'policy.linkerd.io', kind: 'Server', name: 'other'}, [])], web))
    assert.ok(admits([policy('p', ns, [])], outsider))
  })

  test('scenario: linkerd.defaultInboundPolicy reaches linkerd-config and the proxies; a bad value is named', () => {
    const cluster = buildCluster(loadScenario('policy'))
    const config = cluster.objects.find((o) => o.kind === 'ConfigMap' && (o.metadata as {name: string}).name === 'linkerd-config') as {data: {values: string}}
    assert.equal((parse(config.data.values) as {proxy: {defaultInboundPolicy: string}}).proxy.defaultInboundPolicy, 'cluster-unauthenticated')
    const env = (p: SimPod | undefined): string | undefined => {
      const spec = p?.object.spec as {initContainers: Array<{name: string; env: Array<{name: string; value?: string}>}>}
      return spec.initContainers.find((c) => c.name === 'linkerd-proxy')?.env.find((e) => e.name === 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY')?.value
    }
    const pods = [...cluster.pods.values()]
    assert.equal(env(pods.find((p) => p.namespace === 'shop' && p.name.startsWith('api-'))), 'cluster-unauthenticated')
    assert.equal(env(pods.find((p) => p.namespace === 'billing')), 'all-authenticated')
    assert.throws(() => normalizeScenario({linkerd: {defaultInboundPolicy: 'open'}, namespaces: []}), (err: unknown) => err instanceof ScenarioError && /defaultInboundPolicy: "open" is not one of/.test(err.message))
  })

  test('scenario: allowed and denied clients in the series of both sides', () => {
    const cluster = buildCluster(loadScenario('policy'))
    const scrape = (prefix: string): SampleLine[] => {
      const p = [...cluster.pods.values()].find((x) => x.key.startsWith(prefix))
      assert.ok(p?.proxy, `${prefix} has a proxy`)
      return samples(renderProxyMetrics(proxyMetrics(p.proxy, {admin: newAdminCounters(), epochMs: 0}, 3_600_000)))
    }
    const api = scrape('shop/api-')
    const fromWeb = {authz_name: 'api-from-web', client_id: ID('web', 'shop'), srv_name: 'api-http'}
    assert.equal(sum(api, 'inbound_http_authz_allow_total', fromWeb), 36_000)
    assert.equal(sum(api, 'inbound_http_authz_deny_total', {client_id: ID('scraper', 'shop'), srv_kind: 'server', srv_name: 'api-http'}), 36_000)
    // Denied requests never reach a route: no response_total, but their connection is open.
    assert.equal(sum(api, 'response_total', {client_id: ID('scraper', 'shop')}), 0)
    assert.equal(sum(api, 'response_total', {...fromWeb, direction: 'inbound'}), 36_000)
    assert.equal(sum(api, 'tcp_open_connections', {client_id: ID('scraper', 'shop'), direction: 'inbound'}), 1)
    // The denied client sees 403s; the unmeshed server is reached without identity.
    const scraper = scrape('shop/scraper-')
    assert.equal(sum(scraper, 'response_total', {direction: 'outbound', dst_deployment: 'api', status_code: '403'}), 36_000)
    assert.equal(sum(api, 'tcp_open_connections', {direction: 'outbound', dst_deployment: 'legacy', no_tls_reason: 'not_provided_by_service_discovery', peer: 'dst', tls: 'no_identity'}), 1)
    // billing's namespace default (all-authenticated) admits shop/api and denies the unmeshed gateway.
    const ledger = scrape('billing/ledger-0')
    const srv = {srv_kind: 'default', srv_name: 'all-authenticated'}
    assert.equal(sum(ledger, 'inbound_http_authz_allow_total', {...srv, authz_name: 'all-authenticated', client_id: ID('api', 'shop')}), 10_800)
    assert.equal(sum(ledger, 'inbound_http_authz_deny_total', {...srv, no_tls_reason: 'no_tls_from_remote'}), 10_800)
    // web's NetworkAuthentication admits the unmeshed gateway and meshed loadgen alike.
    const web = scrape('shop/web-')
    assert.equal(sum(web, 'inbound_http_authz_allow_total', {authz_name: 'web-public', tls: 'no_identity'}), 21_600)
    assert.equal(sum(web, 'inbound_http_authz_allow_total', {authz_name: 'web-public', client_id: ID('loadgen', 'shop')}), 21_600)
    assert.equal(sum(web, 'inbound_http_authz_deny_total'), 0)
  })
})
