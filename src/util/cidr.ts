// CIDR ranges (`10.0.0.0/8`, `fd00::/8`) and membership, IPv4 and IPv6, on node:net's BlockList.
import {BlockList, isIP} from 'node:net'

export interface Cidr {
  text: string
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** Parses `address/prefix`; undefined when it is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, bits, ...rest] = text.trim().split('/')
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return undefined
  const version = isIP(address)
  if (version === 0) return undefined
  const prefix = Number(bits)
  if (prefix > (version === 4 ? 32 : 128)) return undefined
  return {text: text.trim(), address, prefix, family: version === 4 ? 'ipv4' : 'ipv6'}
}

/** A set of networks, e.g. Linkerd's clusterNetworks. */
export class Networks {
  private readonly lists: Array<{cidr: Cidr; list: BlockList}>

  constructor(readonly cidrs: readonly Cidr[]) {
    this.lists = cidrs.map((cidr) => {
      const list = new BlockList()
      list.addSubnet(cidr.address, cidr.prefix, cidr.family)
      return {cidr, list}
    })
  }

  /** Whether one of the networks holds the address. */
  containsIp(ip: string): boolean {
    const version = isIP(ip)
    if (version === 0) return false
    const family = version === 4 ? 'ipv4' : 'ipv6'
    return this.lists.some(({cidr, list}) => cidr.family === family && list.check(ip, family))
  }

  /** Whether one network holds the whole range: its address, and a prefix at least as long. */
  containsCidr(range: Cidr): boolean {
    return this.lists.some(({cidr, list}) => cidr.family === range.family && range.prefix >= cidr.prefix && list.check(range.address, range.family))
  }
}
