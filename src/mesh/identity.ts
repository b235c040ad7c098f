// Linkerd's mTLS identities as they appear in proxy metrics (`client_id`, `server_id`) and pod
// specs, and how viz names the reasons a connection has none (linkerd/linkerd2
// viz/metrics-api/edges.go formatMsg, pkg/k8s/k8s.go PodIdentity).

/** `<serviceaccount>.<namespace>.serviceaccount.identity.<control-plane-ns>.<trust-domain>` */
const IDENTITY = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\./

export function parseIdentity(id: string | undefined): {serviceAccount: string; namespace: string} | undefined {
  const match = id ? IDENTITY.exec(id) : null
  return match ? {namespace: match[2] as string, serviceAccount: match[1] as string} : undefined
}

/** viz edges prints identities by their first two labels: `web.emojivoto`. */
export function shortIdentity(id: string): string {
  if (id === '') return ''
  const [first = '', second] = id.split('.')
  return second === undefined ? first : `${first}.${second}`
}

interface EnvLike {
  name: string
  value?: string
}
interface ContainerLike {
  name: string
  env?: EnvLike[] | null
}
export interface IdentityPodLike {
  metadata?: {namespace?: string} | null
  spec?: {serviceAccountName?: string; initContainers?: ContainerLike[] | null; containers?: ContainerLike[] | null} | null
}

/**
 * The identity a meshed pod's proxy presents: its LINKERD2_PROXY_IDENTITY_LOCAL_NAME with the
 * service account and namespace filled in, as Linkerd's PodIdentity does. Undefined without a proxy.
 */
export function podIdentity(pod: IdentityPodLike, proxyContainer = 'linkerd-proxy'): string | undefined {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
  const value = containers.find((c) => c.name === proxyContainer)?.env?.find((e) => e.name === 'LINKERD2_PROXY_IDENTITY_LOCAL_NAME')?.value
  if (value === undefined) return undefined
  return value.replaceAll('$(_pod_sa).$(_pod_ns)', `${pod.spec?.serviceAccountName ?? 'default'}.${pod.metadata?.namespace ?? ''}`)
}

// viz's table of no_tls_reason values (outbound reasons), plus the inbound ones linkerd2-proxy
// reports that viz never sees because its edges come from outbound series only.
const NO_TLS_MESSAGES: Readonly<Record<string, string>> = {
  disabled: 'Disabled',
  loopback: 'Loopback',
  no_authority_in_http_request: 'No Authority In HTTP Request',
  not_http: 'Not HTTP',
  not_provided_by_remote: 'Not Provided By Remote',
  not_provided_by_service_discovery: 'Not Provided By Service Discovery',
  // Not in viz's table:
  ingress_without_override: 'Ingress Without Override',
  no_tls_from_remote: 'No TLS From Remote',
  port_skipped: 'Port Skipped',
}

/** How viz renders a `no_tls_reason`; a reason it does not know is title-cased the same way. */
export function noTlsMessage(reason: string): string {
  const known = NO_TLS_MESSAGES[reason]
  if (known !== undefined) return known
  return reason
    .split('_')
    .filter((word) => word !== '')
    .map((word) => (word === 'tls' || word === 'http' ? word.toUpperCase() : `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`))
    .join(' ')
}
