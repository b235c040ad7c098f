// Which proxy a connection uses: Go's ProxyFromEnvironment rules (the table of x/net/http/httpproxy
// in our words) and client-go's proxy-url and NO_PROXY CIDRs.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError} from '../../src/errors.js'
import {proxyFor, proxyLabel} from '../../src/kube/proxy-env.js'

const via = (server: string, env: NodeJS.ProcessEnv, proxyUrl?: string): string | undefined => proxyFor(server, proxyUrl, env)?.href.replace(/\/$/, '')

describe('proxyFor', () => {
  test('HTTPS_PROXY for https servers, HTTP_PROXY for http ones; upper case first', () => {
    const env = {HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128', https_proxy: 'http://lower:3128'}
    assert.equal(via('https://api.example:6443', env), 'http://secure:3128')
    assert.equal(via('http://api.example:8001', env), 'http://plain:3128')
    assert.equal(via('https://api.example:6443', {https_proxy: 'http://lower:3128'}), 'http://lower:3128')
    // No fallback from one scheme to the other.
    assert.equal(via('https://api.example:6443', {HTTP_PROXY: 'http://plain:3128'}), undefined)
    // Under CGI, HTTP_PROXY may be a request header: ignored.
    assert.equal(via('http://api.example:8001', {HTTP_PROXY: 'http://plain:3128', REQUEST_METHOD: 'GET'}), undefined)
  })

  test('a proxy without a scheme is http; socks5 and https proxies are kept', () => {
    assert.equal(via('https://api.example', {HTTPS_PROXY: 'proxy.corp:8080'}), 'http://proxy.corp:8080')
    assert.equal(via('https://api.example', {HTTPS_PROXY: 'socks5://127.0.0.1:1080'}), 'socks5://127.0.0.1:1080')
    assert.equal(via('https://api.example', {HTTPS_PROXY: 'https://proxy.corp'}), 'https://proxy.corp')
  })

  test('localhost and loopback addresses are never proxied from the environment', () => {
    const env = {HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1'}
    for (const server of ['https://localhost:6443', 'https://127.0.0.1:6443', 'https://127.1.2.3', 'https://[::1]:6443', 'http://LOCALHOST:8001']) assert.equal(via(server, env), undefined, server)
    assert.equal(via('https://10.0.0.1:6443', env), 'http://p:1')
  })

  test('NO_PROXY: names with their subdomains, leading dots for subdomains only, ports, IPs, CIDRs, *', () => {
    const env = (noProxy: string): NodeJS.ProcessEnv => ({HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy})
    const cases: Array<[string, string, boolean]> = [
      ['example.com', 'https://example.com', false],
      ['example.com', 'https://api.example.com', false],
      ['example.com', 'https://notexample.com', true],
      ['.example.com', 'https://example.com', true],
      ['.example.com', 'https://api.example.com', false],
      ['*.example.com', 'https://example.com', true],
      ['*.example.com', 'https://api.example.com', false],
      ['example.com:6443', 'https://example.com:6443', false],
      ['example.com:6443', 'https://example.com', true],
      ['example.com:443', 'https://example.com', false],
      ['10.0.0.1', 'https://10.0.0.1:6443', false],
      ['10.0.0.0/8', 'https://10.1.2.3:6443', false],
      ['10.0.0.0/8', 'https://11.1.2.3:6443', true],
      ['fd00::/8', 'https://[fd00::1]:6443', false],
      ['*', 'https://anything.example', false],
      [' other.example , EXAMPLE.COM ', 'https://api.example.com', false],
    ]
    for (const [noProxy, server, proxied] of cases) assert.equal(via(server, env(noProxy)) !== undefined, proxied, `${noProxy} ${server}`)
    assert.equal(via('https://api.example.com', {HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com'}), undefined)
  })

  test('proxy-url wins over the environment, also for loopback; only a NO_PROXY CIDR bypasses it', () => {
    const env = {HTTPS_PROXY: 'http://env:1', NO_PROXY: 'api.example,10.0.0.0/8'}
    assert.equal(via('https://api.example', env, 'http://cluster:3128'), 'http://cluster:3128')
    assert.equal(via('https://127.0.0.1:6443', {}, 'socks5://cluster:1080'), 'socks5://cluster:1080')
    assert.equal(via('https://10.2.3.4', env, 'http://cluster:3128'), undefined)
  })

  test('an unusable proxy setting is an error naming where it came from, without its password', () => {
    assert.throws(
      () => proxyFor('https://api.example', undefined, {HTTPS_PROXY: 'http://user:hunter2-pass@:99999'}),
      (err: unknown) => err instanceof ClusterError && /^\$HTTPS_PROXY is not a proxy URL$/.test(err.message) && !err.message.includes('hunter2'),
    )
    assert.equal(proxyLabel(new URL('http://user:hunter2-pass@proxy.corp:3128')), 'http://proxy.corp:3128')
  })
})
