// Deterministic names, UIDs, IPs and timestamps, shaped like the ones Kubernetes generates, so
// the same scenario always yields the same cluster (tests can assert on names).
import {createHash} from 'node:crypto'

// The alphabet of Kubernetes' rand.SafeEncodeString (no vowels, no confusable digits).
const SAFE = 'bcdfghjklmnpqrstvwxz2456789'

function digest(seed: string): Buffer {
  return createHash('sha256').update(seed).digest()
}

/** A suffix such as ReplicaSet hashes (`7d9c8b5f4`, 9-10 chars) and pod suffixes (`x2k9p`, 5 chars). */
export function safeSuffix(seed: string, length: number): string {
  const bytes = digest(seed)
  let out = ''
  for (let i = 0; i < length; i++) out += SAFE[(bytes[i] as number) % SAFE.length]
  return out
}

export function uid(seed: string): string {
  const hex = digest(`uid:${seed}`).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** Hands out pod IPs 10.42.<node>.<n> and service IPs 10.43.x.y in order. */
export class IpAllocator {
  private pod = 0
  private service = 0

  podIp(): string {
    const n = this.pod++
    return `10.42.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`
  }

  serviceIp(): string {
    const n = this.service++
    return `10.43.${Math.floor(n / 250) % 250}.${(n % 250) + 10}`
  }
}

/** RFC 3339 without milliseconds, as the API server writes timestamps. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
