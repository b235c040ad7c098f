// Linkerd control-plane facts the checks rely on (linkerd/linkerd2 pkg/healthcheck, charts/) and
// readers for the objects that hold them: the `linkerd-config` values, the trust anchors and the
// issuer certificate.
import {parse as parseYaml} from 'yaml'

import {MeshError, NotFoundError} from '../errors.js'
import type {KubeClient, V1Secret} from '../kube/types.js'
import type {Snapshot} from './snapshot.js'

export const LINKERD_CONFIG = 'linkerd-config'
export const TRUST_ROOTS_CONFIG = 'linkerd-identity-trust-roots'
export const ISSUER_SECRET = 'linkerd-identity-issuer'
export const HEARTBEAT_SA = 'linkerd-heartbeat'
/** Components `linkerd check` requires a ready pod for. */
export const CORE_COMPONENTS = ['destination', 'identity', 'proxy-injector'] as const
export const MIN_KUBERNETES_VERSION = [1, 31, 0] as const

export const webhookNames = {
  proxyInjector: 'linkerd-proxy-injector-webhook-config',
  spValidator: 'linkerd-sp-validator-webhook-config',
  policyValidator: 'linkerd-policy-validator-webhook-config',
} as const

/** ClusterRoles and ClusterRoleBindings `linkerd check` expects (names carry the CP namespace). */
export const clusterRbacNames = (ns: string): string[] => [`linkerd-${ns}-identity`, `linkerd-${ns}-proxy-injector`]

export const serviceAccountNames = ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector'] as const

/** Linkerd's CRDs and the version each must serve (the newest in the current chart). */
export const LINKERD_CRDS: ReadonlyArray<{name: string; version: string}> = [
  {name: 'authorizationpolicies.policy.linkerd.io', version: 'v1alpha1'},
  {name: 'egressnetworks.policy.linkerd.io', version: 'v1alpha1'},
  {name: 'externalworkloads.workload.linkerd.io', version: 'v1beta1'},
  {name: 'httplocalratelimitpolicies.policy.linkerd.io', version: 'v1alpha1'},
  {name: 'httproutes.policy.linkerd.io', version: 'v1beta3'},
  {name: 'meshtlsauthentications.policy.linkerd.io', version: 'v1alpha1'},
  {name: 'networkauthentications.policy.linkerd.io', version: 'v1alpha1'},
  {name: 'serverauthorizations.policy.linkerd.io', version: 'v1beta1'},
  {name: 'servers.policy.linkerd.io', version: 'v1beta3'},
  {name: 'serviceprofiles.linkerd.io', version: 'v1alpha2'},
]

interface CrdLike {
  metadata?: {name?: string | undefined} | undefined
  spec: {versions: ReadonlyArray<{name: string; served: boolean}>}
}

/**
 * What is wrong with the cluster's Linkerd CRDs: each one missing (unless `absentIsFine`, as
 * before an install) or present without serving the version the chart needs.
 */
export function crdProblems(crds: readonly CrdLike[], absentIsFine: boolean): string[] {
  const problems: string[] = []
  for (const expected of LINKERD_CRDS) {
    const crd = crds.find((c) => c.metadata?.name === expected.name)
    if (!crd) {
      if (!absentIsFine) problems.push(`missing ${expected.name}`)
    } else if (!crd.spec.versions.some((v) => v.name === expected.version && v.served)) {
      problems.push(`CRD ${expected.name} ${absentIsFine ? 'exists but does not serve' : 'is missing version'} ${expected.version}`)
    }
  }
  return problems
}

export interface LinkerdValues {
  raw: Record<string, unknown>
  version: string | undefined
  trustAnchorsPem: string | undefined
  issuerScheme: string
  heartbeatDisabled: boolean
  /** `clusterNetworks`, comma-separated CIDRs; undefined when the values do not set it. */
  clusterNetworks: string | undefined
  highAvailability: boolean
  cniEnabled: boolean
}

function at(object: unknown, path: string[]): unknown {
  let cur = object
  for (const key of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
  return cur
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/** Parses the `values` key of linkerd-config (the chart values the control plane was installed with). */
export function parseLinkerdValues(text: string): LinkerdValues {
  const raw = parseYaml(text) as unknown
  if (raw === null || typeof raw !== 'object') throw new Error('the values key of linkerd-config is not a YAML mapping')
  const values = raw as Record<string, unknown>
  return {
    raw: values,
    version: str(values.linkerdVersion) ?? str(at(values, ['cliVersion'])),
    trustAnchorsPem: str(values.identityTrustAnchorsPEM),
    issuerScheme: str(at(values, ['identity', 'issuer', 'scheme'])) ?? 'linkerd.io/tls',
    heartbeatDisabled: values.disableHeartBeat === true,
    clusterNetworks: str(values.clusterNetworks),
    highAvailability: values.highAvailability === true,
    cniEnabled: values.cniEnabled === true,
  }
}

/** linkerd-config's values, read once per snapshot; rejects with a message that names the object. */
export function linkerdValues(snapshot: Snapshot, ns: string): Promise<LinkerdValues> {
  return snapshot.shared(`linkerd-values/${ns}`, async () => {
    const cm = await snapshot.configMap(ns, LINKERD_CONFIG)
    if (!cm) throw new Error(`configmap/${LINKERD_CONFIG} in ${ns} not found`)
    const text = cm.data?.values
    if (text === undefined) throw new Error(`configmap/${LINKERD_CONFIG} in ${ns} has no "values" key`)
    try {
      return parseLinkerdValues(text)
    } catch (error) {
      throw new Error(`configmap/${LINKERD_CONFIG} in ${ns}: ${error instanceof Error ? error.message : String(error)}`)
    }
  })
}

/** The trust anchors PEM: linkerd-config's values, else the trust-roots config map proxies mount. */
export function trustAnchorsPem(snapshot: Snapshot, ns: string): Promise<{pem: string; source: string}> {
  return snapshot.shared(`trust-anchors/${ns}`, async () => {
    const values = await linkerdValues(snapshot, ns)
    if (values.trustAnchorsPem) return {pem: values.trustAnchorsPem, source: `configmap/${LINKERD_CONFIG} in ${ns}`}
    const roots = await snapshot.configMap(ns, TRUST_ROOTS_CONFIG)
    const pem = roots?.data?.['ca-bundle.crt']
    if (pem) return {pem, source: `configmap/${TRUST_ROOTS_CONFIG} in ${ns}`}
    throw new Error(`no trust anchors: neither identityTrustAnchorsPEM in configmap/${LINKERD_CONFIG} nor configmap/${TRUST_ROOTS_CONFIG} in ${ns}`)
  })
}

export function secretText(secret: V1Secret | undefined, key: string): string | undefined {
  const value = secret?.data?.[key]
  if (value !== undefined) return Buffer.from(value, 'base64').toString('utf8')
  return secret?.stringData?.[key]
}

export interface IssuerSecret {
  /** The issuer certificate, then any intermediates (as cert-manager writes tls.crt). */
  certPem: string
  keyPem: string | undefined
  /** `ca.crt` of a kubernetes.io/tls secret: the trust anchors Linkerd checks the issuer against. */
  caPem: string | undefined
  /** `secret/linkerd-identity-issuer in <ns> (<key>)`, for messages. */
  source: string
  /** Which key the private key should be under. */
  keyName: string
}

/**
 * linkerd-identity-issuer as the identity controller reads it: `crt.pem`/`key.pem` for the
 * linkerd.io/tls scheme, `tls.crt`/`tls.key`/`ca.crt` for kubernetes.io/tls (cert-manager).
 */
export function issuerSecret(snapshot: Snapshot, ns: string): Promise<IssuerSecret> {
  return snapshot.shared(`issuer/${ns}`, async () => {
    const values = await linkerdValues(snapshot, ns)
    const secret = await snapshot.secret(ns, ISSUER_SECRET)
    const source = `secret/${ISSUER_SECRET} in ${ns}`
    if (!secret) throw new Error(`${source} not found (issuer scheme ${values.issuerScheme})`)
    const external = values.issuerScheme === 'kubernetes.io/tls'
    // The other scheme's key names too: a secret written for the wrong scheme is still read.
    const names = external ? [['tls.crt', 'tls.key'], ['crt.pem', 'key.pem']] : [['crt.pem', 'key.pem'], ['tls.crt', 'tls.key']]
    for (const [certName, keyName] of names as Array<[string, string]>) {
      const certPem = secretText(secret, certName)
      if (certPem) return {certPem, keyPem: secretText(secret, keyName), caPem: secretText(secret, 'ca.crt'), source: `${source} (${certName})`, keyName: `${keyName} of ${source}`}
    }
    throw new Error(`${source} has neither ${names.map(([c]) => c).join(' nor ')}`)
  })
}

/**
 * The trust anchors Linkerd checks the issuer against: `ca.crt` of the issuer secret for the
 * kubernetes.io/tls scheme, else linkerd-config's identityTrustAnchorsPEM (trustAnchorsPem).
 */
export function issuerTrustAnchorsPem(snapshot: Snapshot, ns: string): Promise<{pem: string; source: string}> {
  return snapshot.shared(`issuer-anchors/${ns}`, async () => {
    const values = await linkerdValues(snapshot, ns)
    if (values.issuerScheme !== 'kubernetes.io/tls') return trustAnchorsPem(snapshot, ns)
    const secret = await issuerSecret(snapshot, ns)
    if (!secret.caPem) throw new Error(`secret/${ISSUER_SECRET} in ${ns} has no ca.crt (the trust anchors of the kubernetes.io/tls issuer scheme)`)
    return {pem: secret.caPem, source: `secret/${ISSUER_SECRET} in ${ns} (ca.crt)`}
  })
}

/** `v1.32.3+k3s1` -> [1, 32, 3]; undefined when it does not look like a version. */
export function parseKubeVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim())
  if (!match) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** `edge-26.8.3` -> {channel: 'edge', version: '26.8.3'}; `stable-2.14.10` alike; `v2.366.0` has no channel. */
export function parseLinkerdVersion(text: string): {channel: string | undefined; version: string} {
  const match = /^(stable|edge|enterprise)-(.+)$/.exec(text.trim())
  return match ? {channel: match[1], version: match[2] as string} : {channel: undefined, version: text.trim()}
}

/** The version proxies should run: `proxy.image.version` when pinned, else the control plane's. */
export function expectedProxyVersion(values: LinkerdValues): string | undefined {
  const pinned = at(values.raw, ['proxy', 'image', 'version'])
  return str(pinned) ?? values.version
}

/**
 * The control plane's version as `linkerd version` reads it: `linkerdVersion` in linkerd-config's
 * values (linkerd2 pkg/healthcheck/version.go GetServerVersion). Rejects with a message naming
 * what is missing; cluster failures reject with the kube layer's MeshErrors.
 */
export async function serverVersion(kube: Pick<KubeClient, 'getConfigMap'>, ns: string): Promise<string> {
  const cm = await kube.getConfigMap(ns, LINKERD_CONFIG)
  if (!cm) throw new NotFoundError([`configmap/${LINKERD_CONFIG} in namespace ${ns}`], {hint: `is Linkerd installed in ${ns}? Use -L for another namespace`})
  const version = cm.data?.values === undefined ? undefined : parseLinkerdValues(cm.data.values).version
  if (version === undefined) throw new MeshError(`configmap/${LINKERD_CONFIG} in ${ns} records no linkerdVersion`, {code: 'NO_VERSION'})
  return version
}
