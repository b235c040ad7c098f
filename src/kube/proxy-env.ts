// Which proxy a connection to the API server goes through: the one answer every connection path
// (API calls, port-forwards, pods/proxy) asks for. As client-go decides it:
// - the cluster's `proxy-url` when the kubeconfig sets one;
// - else Go's http.ProxyFromEnvironment: HTTPS_PROXY for https servers, HTTP_PROXY for http ones
//   (upper case first, then lower case; HTTP_PROXY is ignored under CGI's REQUEST_METHOD), never
//   for localhost or a loopback address, and not for hosts NO_PROXY matches;
// - and in both cases (client-go's NewProxierWithNoProxyCIDR) not for an IP in a NO_PROXY CIDR.
import {BlockList, isIP} from 'node:net'

import {ClusterError} from '../errors.js'
import {registerSecret} from './redact.js'
import {KubeErrorCode} from './types.js'

const SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:'])

function env(vars: NodeJS.ProcessEnv, name: string): string | undefined {
  return vars[name.toUpperCase()] || vars[name.toLowerCase()] || undefined
}

/** Go accepts a proxy without a scheme (`proxy:3128`) as http. */
function parseProxy(value: string, from: string): URL {
  let url: URL | undefined
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`)
  } catch {
    url = undefined
  }
  if (!url || !SCHEMES.has(url.protocol) || url.hostname === '') {
    throw new ClusterError(`${from} is not a proxy URL`, {code: KubeErrorCode.badKubeconfig, hint: 'use http://host:port, https://host:port or socks5://host:port'})
  }
  if (url.password) registerSecret(decodeURIComponent(url.password))
  return url
}

const bare = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase()

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  const family = isIP(host)
  if (family === 4) return host.startsWith('127.')
  if (family === 6) return host === '::1' || /^::ffff:127\./.test(host)
  return false
}

interface NoProxy {
  all: boolean
  cidrs: BlockList
  entries: Array<{host: string; port: string; ip: boolean; matchHost: boolean}>
}

function parseNoProxy(value: string | undefined): NoProxy {
  const rules: NoProxy = {all: false, cidrs: new BlockList(), entries: []}
  for (let entry of (value ?? '').split(',')) {
    entry = entry.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') {
      rules.all = true
      continue
    }
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry)
    if (cidr) {
      const family = isIP(cidr[1] as string)
      if (family !== 0) rules.cidrs.addSubnet(cidr[1] as string, Number(cidr[2]), family === 6 ? 'ipv6' : 'ipv4')
      continue
    }
    let host = entry
    let port = ''
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry)
    if (withPort) {
      host = withPort[1] as string
      port = withPort[2] as string
    }
    host = bare(host)
    if (isIP(host)) {
      rules.entries.push({host, ip: true, matchHost: true, port})
      continue
    }
    // "example.com" matches it and its subdomains; ".example.com" and "*.example.com" only subdomains.
    if (host.startsWith('*.')) host = host.slice(1)
    const matchHost = !host.startsWith('.')
    rules.entries.push({host: matchHost ? `.${host}` : host, ip: false, matchHost, port})
  }
  return rules
}

function inCidr(rules: NoProxy, host: string): boolean {
  const family = isIP(host)
  return family !== 0 && rules.cidrs.check(host, family === 6 ? 'ipv6' : 'ipv4')
}

function noProxyMatches(rules: NoProxy, host: string, port: string): boolean {
  if (rules.all || inCidr(rules, host)) return true
  for (const e of rules.entries) {
    if (e.port !== '' && e.port !== port) continue
    if (e.ip ? host === e.host : host.endsWith(e.host) || (e.matchHost && host === e.host.slice(1))) return true
  }
  return false
}

/**
 * The proxy for connections to `server` (an http or https URL), or undefined for a direct one.
 * `proxyUrl` is the cluster's proxy-url. Throws ClusterError for a proxy setting that is not a URL.
 */
export function proxyFor(server: string | URL, proxyUrl: string | undefined, vars: NodeJS.ProcessEnv = process.env): URL | undefined {
  const target = typeof server === 'string' ? new URL(server) : server
  const host = bare(target.hostname)
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  const rules = parseNoProxy(env(vars, 'no_proxy'))
  if (proxyUrl !== undefined) return inCidr(rules, host) ? undefined : parseProxy(proxyUrl, 'the cluster\'s proxy-url')
  const name = target.protocol === 'https:' ? 'https_proxy' : 'http_proxy'
  const value = name === 'http_proxy' && vars.REQUEST_METHOD ? undefined : env(vars, name)
  if (value === undefined || isLoopback(host) || noProxyMatches(rules, host, port)) return undefined
  return parseProxy(value, `$${name.toUpperCase()}`)
}

/** A proxy URL fit for messages: no user name or password. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}
