// Protocols the Linkerd proxy cannot detect on its own. For server-speaks-first protocols the
// client waits for the server's greeting while the proxy waits for the client's first bytes, so
// every connection stalls for the 10s detect timeout (linkerd/linkerd2#1505, #13364). Linkerd's
// docs ("Protocol detection") list these ports; its default opaque list covers several of them.

export interface KnownProtocol {
  protocol: string
  ports: readonly number[]
  /** Container port names / appProtocols that say this protocol whatever the number. */
  names: readonly string[]
}

export const OPAQUE_PROTOCOLS: readonly KnownProtocol[] = [
  {protocol: 'SMTP', ports: [25, 587], names: ['smtp', 'submission']},
  {protocol: 'MySQL', ports: [3306], names: ['mysql', 'mariadb']},
  {protocol: 'Galera', ports: [4444, 4567, 4568], names: ['galera']},
  {protocol: 'PostgreSQL', ports: [5432], names: ['postgres', 'postgresql', 'pgsql']},
  {protocol: 'Redis', ports: [6379], names: ['redis']},
  {protocol: 'Elasticsearch transport', ports: [9300], names: []},
  {protocol: 'memcached', ports: [11211], names: ['memcache', 'memcached']},
  {protocol: 'NATS', ports: [4222], names: ['nats']},
  {protocol: 'SSH', ports: [22], names: ['ssh']},
  {protocol: 'FTP', ports: [21], names: ['ftp']},
  {protocol: 'POP3', ports: [110], names: ['pop3']},
  {protocol: 'IMAP', ports: [143], names: ['imap']},
  {protocol: 'ManageSieve', ports: [], names: ['sieve', 'managesieve']},
]

function nameWords(text: string): string[] {
  return text.toLowerCase().split(/[-_./]/).filter(Boolean)
}

/** The protocol a port probably speaks, from its name, appProtocol or well-known number. */
export function opaqueProtocolOf(port: {containerPort: number; name?: string | undefined; appProtocol?: string | undefined}): KnownProtocol | undefined {
  const words = [...nameWords(port.name ?? ''), ...nameWords(port.appProtocol ?? '')]
  // The name wins over the number: an HTTP admin page on 3306 named "http" is HTTP.
  if (saysHttp(port)) return undefined
  for (const proto of OPAQUE_PROTOCOLS) if (proto.names.some((n) => words.includes(n))) return proto
  return OPAQUE_PROTOCOLS.find((p) => p.ports.includes(port.containerPort))
}

const HTTP_WORDS = new Set(['http', 'http2', 'h2c', 'grpc', 'ws', 'websocket', 'web'])

/** True when the port's name or appProtocol says HTTP, HTTP/2 or gRPC (not TLS: https stays opaque-safe). */
export function saysHttp(port: {name?: string | undefined; appProtocol?: string | undefined}): boolean {
  const app = (port.appProtocol ?? '').toLowerCase()
  if (['http', 'http2', 'h2c', 'grpc', 'kubernetes.io/h2c', 'kubernetes.io/ws', 'ws'].includes(app)) return true
  const words = nameWords(port.name ?? '')
  // Istio-style "http-metrics", "grpc-api", and "metrics-http"; but not "https".
  const first = words[0]
  const last = words[words.length - 1]
  return (first !== undefined && HTTP_WORDS.has(first)) || (last !== undefined && last !== first && HTTP_WORDS.has(last))
}
