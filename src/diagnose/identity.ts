// A pod's mTLS status read from its proxy's /metrics (the TLS labels that linkerd/linkerd2-proxy
// linkerd/tls/src/{server,client}.rs define): which share of inbound connections arrived over mesh
// TLS and from which client identities, why the others did not (`no_tls_reason`), and which
// server identities its outbound connections verified. Connections
// are counted with tcp_open_total, so HTTP and opaque TCP traffic both count; the admin port
// (kubelet probes, our own port-forward) is left out, as viz stat does.
import type {ParsedMetrics, Sample} from '../metrics/types.js'
import type {Problem, ProblemSubject} from '../ports/index.js'

export interface TlsSide {
  /** Connections opened since the proxy started. */
  total: number
  mtls: number
  /** client_id (inbound) or server_id (outbound) -> connections. */
  identities: Record<string, number>
  /** no_tls_reason -> connections. */
  plaintextReasons: Record<string, number>
}

export interface IdentityStatus {
  inbound: TlsSide
  outbound: TlsSide
  /** notAfter of the proxy's leaf certificate (Unix seconds), when the proxy reports it. */
  certExpiresAt?: number
  certRefreshErrors: number
  proxyVersion?: string
}

const emptySide = (): TlsSide => ({total: 0, mtls: 0, identities: {}, plaintextReasons: {}})

function add(side: TlsSide, sample: Sample, idLabel: 'client_id' | 'server_id'): void {
  side.total += sample.value
  const tls = sample.labels.tls
  if (tls === 'true') {
    side.mtls += sample.value
    const id = sample.labels[idLabel] || '(no identity)'
    side.identities[id] = (side.identities[id] ?? 0) + sample.value
  } else {
    const reason = sample.labels.no_tls_reason || (tls ? `tls=${tls}` : 'unknown')
    side.plaintextReasons[reason] = (side.plaintextReasons[reason] ?? 0) + sample.value
  }
}

export function identityStatus(metrics: ParsedMetrics, adminPort: number): IdentityStatus {
  const status: IdentityStatus = {inbound: emptySide(), outbound: emptySide(), certRefreshErrors: 0}
  for (const s of metrics.samples) {
    if (s.name === 'tcp_open_total') {
      if (s.labels.direction === 'inbound' && s.labels.peer === 'src' && s.labels.target_port !== String(adminPort)) add(status.inbound, s, 'client_id')
      else if (s.labels.direction === 'outbound' && s.labels.peer === 'dst') add(status.outbound, s, 'server_id')
    } else if (s.name === 'control_identity_cert_expiration_timestamp_seconds' || s.name === 'identity_cert_expiration_timestamp_seconds') {
      if (s.value > 0) status.certExpiresAt = s.value
    } else if ((s.name === 'control_identity_cert_refreshes_total' || s.name === 'identity_cert_refreshes_total') && s.labels.result === 'error') {
      status.certRefreshErrors += s.value
    } else if (s.name === 'proxy_build_info') {
      const version = s.labels.version ?? s.labels.git_version
      if (version) status.proxyVersion = version
    }
  }
  return status
}

export const IDENTITY_RULES = {
  inboundPlaintext: {id: 'identity.inbound-plaintext', severity: 'warning'},
  outboundPlaintext: {id: 'identity.outbound-plaintext', severity: 'info'},
  noCertificate: {id: 'identity.no-certificate', severity: 'error'},
  certExpiring: {id: 'identity.cert-expiring', severity: 'warning'},
  certRefreshErrors: {id: 'identity.cert-refresh-errors', severity: 'warning'},
} as const

const pct = (part: number, total: number) => `${((100 * part) / total).toFixed(1)}%`
const reasons = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')

/** Problems from the identity status; `nowSeconds` is injected so tests are deterministic. */
export function identityProblems(status: IdentityStatus, subject: ProblemSubject, nowSeconds: number): Problem[] {
  const problems: Problem[] = []
  const push = (rule: {id: string; severity: Problem['severity']}, message: string, fix: string) => problems.push({rule: rule.id, severity: rule.severity, subject, message, fix})
  const inPlain = status.inbound.total - status.inbound.mtls
  if (inPlain > 0) {
    push(
      IDENTITY_RULES.inboundPlaintext,
      `${inPlain} of ${status.inbound.total} inbound connections (${pct(inPlain, status.inbound.total)}) were not mesh TLS: ${reasons(status.inbound.plaintextReasons)}`,
      status.inbound.plaintextReasons.no_tls_from_remote ? 'mesh the clients (no_tls_from_remote means an unmeshed caller), or require identity with an AuthorizationPolicy' : 'check the clients and the skip-inbound-ports annotation',
    )
  }
  const outPlain = status.outbound.total - status.outbound.mtls
  if (outPlain > 0) {
    push(
      IDENTITY_RULES.outboundPlaintext,
      `${outPlain} of ${status.outbound.total} outbound connections (${pct(outPlain, status.outbound.total)}) were not mesh TLS: ${reasons(status.outbound.plaintextReasons)}`,
      'expected for unmeshed or off-cluster destinations; mesh the destination if it should be encrypted',
    )
  }
  if (status.certExpiresAt === undefined) {
    push(IDENTITY_RULES.noCertificate, 'the proxy reports no identity certificate, so it cannot serve or make mTLS connections', 'check the identity controller (linkerd-identity) and the proxy log for "Certified identity"')
  } else if (status.certExpiresAt - nowSeconds < 3600) {
    const minutes = Math.round((status.certExpiresAt - nowSeconds) / 60)
    push(IDENTITY_RULES.certExpiring, minutes <= 0 ? `the proxy's certificate expired ${-minutes} minutes ago` : `the proxy's certificate expires in ${minutes} minutes and has not been renewed`, 'check linkerd-identity and the issuer certificate (meshport check)')
  }
  if (status.certRefreshErrors > 0) {
    push(IDENTITY_RULES.certRefreshErrors, `the proxy failed to refresh its certificate ${status.certRefreshErrors} times`, 'check linkerd-identity logs and that the identity token can be mounted')
  }
  return problems
}
