// The rows `viz authz` shows, as linkerd viz authz chooses them (viz/cmd/authz.go): every row
// with traffic; a row without traffic only when it names an authorization (not the default policy,
// not the refusals); sorted by server, route, authorization. meshport adds a row for each
// authorization that applies to the pods (policy/authorizations.ts) but saw no traffic at all,
// which viz shows only once the proxies have a series for it.
import type {Authorization} from '../policy/authorizations.js'
import {authzKeyId, type AuthzKey, type AuthzRow} from './authz.js'

/** SERVER as viz prints it: the Server's name, or `default:<policy>`. */
export function serverCell(key: AuthzKey): string {
  return key.server.kind === 'default' ? `default:${key.server.name}` : key.server.name
}

/** AUTHORIZATION as viz prints it: `<kind>/<name>`, '' for refused requests. */
export function authzCell(key: AuthzKey): string {
  return key.authz.kind === '' ? '' : `${key.authz.kind}/${key.authz.name}`
}

/** Refused / (refused + admitted): the share of requests the policy turned away. */
export function deniedShare(row: AuthzRow): number | undefined {
  const total = row.deniedCount + row.allowedCount
  return total > 0 ? row.deniedCount / total : undefined
}

export function hasTraffic(row: AuthzRow): boolean {
  return row.successCount + row.failureCount + row.deniedCount > 0
}

function emptyRow(namespace: string, key: AuthzKey): AuthzRow {
  return {allowedCount: 0, allowedRate: 0, deniedCount: 0, deniedRate: 0, failureCount: 0, key, latency: new Map(), namespace, rps: 0, successCount: 0, successRate: undefined}
}

/** The key the proxies give traffic an authorization admits (default route unless route-scoped). */
export function authorizationKey(a: Authorization): AuthzKey {
  return {
    authz: a.authorizationPolicy ? {kind: 'authorizationpolicy', name: a.authorizationPolicy} : {kind: 'serverauthorization', name: a.serverAuthorization},
    route: a.route ? {kind: 'HTTPRoute', name: a.route} : {kind: 'default', name: 'default'},
    server: {kind: 'server', name: a.server},
  }
}

export function authzTableRows(rows: readonly AuthzRow[], authorizations: ReadonlyArray<{namespace: string; authorization: Authorization}>): AuthzRow[] {
  const shown = rows.filter((row) => hasTraffic(row) || (row.key.authz.kind !== '' && row.key.authz.kind !== 'default'))
  const seen = new Set(rows.map((row) => `${row.namespace}\u0000${authzKeyId(row.key)}`))
  for (const {namespace, authorization} of authorizations) {
    const key = authorizationKey(authorization)
    const id = `${namespace}\u0000${authzKeyId(key)}`
    if (seen.has(id)) continue
    seen.add(id)
    shown.push(emptyRow(namespace, key))
  }
  return shown.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(serverCell(a.key), serverCell(b.key)) || cmp(a.key.route.name, b.key.route.name) || cmp(authzCell(a.key), authzCell(b.key)))
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
