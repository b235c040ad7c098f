// A proxy's own (leaf) identity certificate, as its /metrics reports it: expiry and last refresh
// (linkerd/linkerd2-proxy linkerd/identity/src/metrics.rs; both the ≥2.16 `control_`-prefixed
// names and the older ones). Only the
// lines of those families are handed to the shared Prometheus parser; a full scrape can be large
// and 500 proxies must be checked in seconds.
import {parsePrometheusText} from '../metrics/parse.js'

const EXPIRY = ['control_identity_cert_expiration_timestamp_seconds', 'identity_cert_expiration_timestamp_seconds']
const REFRESH = ['control_identity_cert_refresh_timestamp_seconds', 'identity_cert_refresh_timestamp_seconds']

const DEFAULT_LEAF_LIFETIME_MS = 24 * 3_600_000

export interface LeafCert {
  /** notAfter, ms since the epoch; undefined when the proxy has no certificate yet (gauge is 0). */
  expiresAt: number | undefined
  /** When the certificate was installed, ms since the epoch, if reported. */
  refreshedAt: number | undefined
}

/** Reads the leaf certificate gauges; undefined when the body has neither family. */
export function leafCertFromMetrics(body: string): LeafCert | undefined {
  const wanted = [...EXPIRY, ...REFRESH]
  const lines = body.split('\n').filter((line) => {
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1]
    return name !== undefined && wanted.includes(name)
  })
  if (lines.length === 0) return undefined
  const parsed = parsePrometheusText(`${lines.join('\n')}\n`)
  const first = (names: string[]) => {
    for (const name of names) {
      const sample = parsed.samples.find((s) => s.name === name)
      if (sample && Number.isFinite(sample.value)) return sample.value
    }
    return undefined
  }
  const expiry = first(EXPIRY)
  const refresh = first(REFRESH)
  if (expiry === undefined && refresh === undefined) return undefined
  return {
    expiresAt: expiry === undefined || expiry <= 0 ? undefined : expiry * 1000,
    refreshedAt: refresh === undefined || refresh <= 0 ? undefined : refresh * 1000,
  }
}

/**
 * How close to expiry a leaf certificate may get: the threshold, or the last third of its
 * lifetime (refresh to expiry) when shorter; leaf certificates live ~24h and renew themselves.
 */
export function leafExpiryProblem(cert: LeafCert, now: number, thresholdMs: number): string | undefined {
  if (cert.expiresAt === undefined) return 'the proxy has no identity certificate yet'
  const left = cert.expiresAt - now
  if (left <= 0) return `identity certificate expired at ${new Date(cert.expiresAt).toISOString()}`
  // Without a refresh time, assume Linkerd's default leaf lifetime (24h, issuanceLifetime).
  const measured = cert.refreshedAt === undefined ? 0 : cert.expiresAt - cert.refreshedAt
  const lifetime = measured > 0 ? measured : DEFAULT_LEAF_LIFETIME_MS
  const window = Math.min(thresholdMs, lifetime / 3)
  if (left < window) return `identity certificate expires at ${new Date(cert.expiresAt).toISOString()} (in ${Math.max(1, Math.round(left / 60_000))}m) and was not renewed`
  return undefined
}
