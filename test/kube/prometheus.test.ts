// The Prometheus HTTP API client against small fake servers: what it sends (GET or POST, basic auth
// from the URL, extra headers, a timeout parameter), TLS with a CA or without verification, and
// every failure as a MeshError with its exit code, never showing a password or header value.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {MeshError} from '../../src/errors.js'
import {openPrometheus} from '../../src/kube/index.js'
import {PrometheusErrorCode, type PrometheusClient, type RetryNotice} from '../../src/kube/types.js'
import {hasControl, terminalSafe} from '../../src/output/terminal.js'
import {makeApiPki} from '../cluster/pki.js'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

const vector = (result: Array<{metric: Record<string, string>; value: [number, string]}>) => JSON.stringify({data: {result, resultType: 'vector'}, status: 'success'})

async function serve(handler: Handler, https?: {cert: string; key: string}): Promise<{url: string; seen: Seen[]; server: Server}> {
  const seen: Seen[] = []
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      seen.push({body, headers: req.headers, method: req.method ?? '', url: req.url ?? ''})
      handler(req, body, res)
    })
  }
  const server = https ? createHttpsServer(https, listener) : createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {seen, server, url: `${https ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`}
}

const rejectsWith = async (promise: Promise<unknown>, code: string, exitCode: number, message: RegExp): Promise<MeshError> => {
  let caught: unknown
  await promise.catch((err: unknown) => (caught = err))
  assert.ok(caught instanceof MeshError, `expected a MeshError, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  assert.equal(caught.exitCode, exitCode, caught.message)
  assert.match(caught.message, message)
  return caught
}

describe('Prometheus client', () => {
  const servers: Server[] = []
  after(() => {
    for (const s of servers) {
      s.closeAllConnections()
      s.close()
    }
  })
  const open = async (handler: Handler, options: {path?: string; userinfo?: string; headers?: Record<string, string>; timeoutMs?: number} = {}): Promise<{client: PrometheusClient; seen: Seen[]}> => {
    const {seen, server, url} = await serve(handler)
    servers.push(server)
    const base = url.replace('//', `//${options.userinfo ?? ''}`) + (options.path ?? '')
    return {client: openPrometheus({headers: options.headers ?? {}, kind: 'url', url: base}, {env: {}, timeoutMs: options.timeoutMs ?? 2000}), seen}
  }

  test('an instant query: GET with the query, time and timeout; basic auth from the URL; headers; a path prefix', async () => {
    const {client, seen} = await open((_req, _body, res) => res.end(vector([{metric: {deployment: 'web', namespace: 'shop'}, value: [1700000000.5, '12.5']}])), {
      headers: {'X-Scope-OrgID': 'tenant-42'},
      path: '/prometheus/',
      userinfo: 'alice:s3cret-pass@',
    })
    const samples = await client.query('sum(up) by (namespace)', 1700000000.5)
    assert.deepEqual(samples, [{labels: {deployment: 'web', namespace: 'shop'}, time: 1700000000.5, value: 12.5}])
    const [req] = seen
    assert.equal(req?.method, 'GET')
    const url = new URL(req?.url ?? '', 'http://x')
    assert.equal(url.pathname, '/prometheus/api/v1/query')
    assert.deepEqual(Object.fromEntries(url.searchParams), {query: 'sum(up) by (namespace)', time: '1700000000.500', timeout: '2s'})
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from('alice:s3cret-pass').toString('base64')}`)
    assert.equal(req?.headers['x-scope-orgid'], 'tenant-42')
    assert.equal(client.label, `http://127.0.0.1:${new URL(client.label).port}/prometheus`, 'no credentials in the label')
    await client.close()
  })

  test('a query too long for a URL is a form POST', async () => {
    const {client, seen} = await open((_req, _body, res) => res.end(vector([])))
    const long = `up{pod=~"${Array.from({length: 1000}, (_, i) => `pod-${i}`).join('|')}"}`
    await client.query(long)
    assert.equal(seen[0]?.method, 'POST')
    assert.equal(seen[0]?.headers['content-type'], 'application/x-www-form-urlencoded')
    assert.equal(new URLSearchParams(seen[0]?.body).get('query'), long)
    await client.close()
  })

  test('a scalar answers one sample', async () => {
    const {client} = await open((_req, _body, res) => res.end(JSON.stringify({data: {result: [1700000000, '3'], resultType: 'scalar'}, status: 'success'})))
    assert.deepEqual(await client.query('scalar(count(up))'), [{labels: {}, time: 1700000000, value: 3}])
    await client.close()
  })

  test('401 and 403 are exit 3; the URL password and header values never show', async () => {
    const password = 'hunter2-very-secret'
    const token = 'tok-abcdef-123456'
    const echo: Handler = (req, _body, res) => {
      // A server that repeats what it was sent, as a misconfigured gateway might.
      res.writeHead(req.url?.includes('forbidden') ? 403 : 401, {'content-type': 'application/json'})
      res.end(JSON.stringify({error: `denied ${req.headers.authorization ?? ''} ${String(req.headers['x-token'])}`, errorType: 'auth', status: 'error'}))
    }
    const {client} = await open(echo, {headers: {'X-Token': token}, userinfo: `bob:${password}@`})
    const unauthorized = await rejectsWith(client.query('up'), PrometheusErrorCode.unauthorized, 3, /wants credentials \(HTTP 401\)/)
    assert.match(unauthorized.hint ?? '', /--prometheus-header 'Authorization: Bearer TOKEN'/)
    const forbidden = await rejectsWith(client.query('up{forbidden="1"}'), PrometheusErrorCode.forbidden, 3, /refused the query \(HTTP 403\)/)
    for (const err of [unauthorized, forbidden]) {
      const text = `${err.message} ${err.hint ?? ''} ${err.stack ?? ''}`
      assert.ok(!text.includes(password) && !text.includes(token) && !text.includes(Buffer.from(`bob:${password}`).toString('base64')), text)
    }
    assert.match(forbidden.message, /\[REDACTED\]/, 'the echoed credentials were redacted')
    await client.close()
  })

  test("Prometheus' JSON errors: bad_data is exit 1 with its message, its own timeout exit 4", async () => {
    const {client} = await open((req, _body, res) => {
      const timeout = req.url?.includes('slow')
      res.writeHead(timeout ? 503 : 400, {'content-type': 'application/json'})
      res.end(JSON.stringify(timeout ? {error: 'query timed out in expression evaluation', errorType: 'timeout', status: 'error'} : {error: '1:5: parse error: unexpected "}"', errorType: 'bad_data', status: 'error'}))
    })
    const bad = await rejectsWith(client.query('sum(}'), PrometheusErrorCode.query, 1, /failed the query \(HTTP 400, bad_data\): 1:5: parse error/)
    assert.match(bad.hint ?? '', /the query was: sum\(\}/)
    await rejectsWith(client.query('slow'), PrometheusErrorCode.timeout, 4, /\(HTTP 503, timeout\): query timed out/)
    await client.close()
  })

  test('a front that is not the Prometheus API: its status, content type and a short excerpt, shown escaped', async () => {
    const {client} = await open((_req, _body, res) => {
      res.writeHead(502, {'content-type': 'text/html; charset=utf-8'})
      res.end(`<html>\n<h1>502 Bad Gateway</h1>\u001b[31m${'x'.repeat(500)}</html>`)
    })
    const err = await rejectsWith(client.query('up'), PrometheusErrorCode.query, 1, /answered HTTP 502, not the Prometheus API \(text\/html: "<html>\\n<h1>502 Bad Gateway<\/h1>.\[31mx+\.\.\."\)$/)
    assert.ok(err.message.length < 200, err.message)
    assert.ok(!hasControl(terminalSafe(err.message)))
    await client.close()
  })

  test('no answer within the timeout is exit 4; nothing listening is exit 3', async () => {
    const {client} = await open(() => {}, {timeoutMs: 300})
    const started = Date.now()
    await rejectsWith(client.query('up'), PrometheusErrorCode.timeout, 4, /no answer from Prometheus at http:\/\/127\.0\.0\.1:\d+ within 300ms/)
    assert.ok(Date.now() - started < 2000)
    await client.close()
    const closed = await serve(() => {})
    const port = (closed.server.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.server.close(() => resolve()))
    const gone = openPrometheus({headers: {}, kind: 'url', url: `http://127.0.0.1:${port}`}, {env: {}, timeoutMs: 2000})
    const err = await rejectsWith(gone.query('up'), PrometheusErrorCode.unreachable, 3, /cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)
    assert.match(err.hint ?? '', /MESHPORT_PROMETHEUS_URL/)
  })

  test("retried as client-go retries: a 503 with Retry-After and a reset connection are tried again, a 429 that never ends is exit 4", async () => {
    let n = 0
    const notices: RetryNotice[] = []
    const flaky = await serve((_req, _body, res) => {
      n++
      if (n === 1) {
        res.writeHead(503, {'content-type': 'text/plain', 'retry-after': '1'})
        res.end('busy')
      } else if (n === 2) res.socket?.resetAndDestroy()
      else {
        res.writeHead(200, {'content-type': 'application/json'})
        res.end(vector([{metric: {}, value: [1, '7']}]))
      }
    })
    servers.push(flaky.server)
    const client = openPrometheus({headers: {}, kind: 'url', url: flaky.url}, {env: {}, onRetry: (notice) => notices.push(notice), timeoutMs: 5000})
    assert.deepEqual((await client.query('up')).map((s) => s.value), [7])
    assert.deepEqual(
      notices.map((x) => [x.action, x.attempt, x.waitMs, x.reason]),
      [
        ['Prometheus query', 1, 1000, 'HTTP 503 with Retry-After: 1'],
        ['Prometheus query', 2, 1000, 'connection closed before an answer (ECONNRESET)'],
      ],
    )
    await client.close()
    const {client: busy, seen} = await open(
      (_req, _body, res) => {
        res.writeHead(429, {'content-type': 'application/json', 'retry-after': '1'})
        res.end(JSON.stringify({error: 'too many outstanding requests', errorType: 'unavailable', status: 'error'}))
      },
      {timeoutMs: 1500},
    )
    const started = Date.now()
    await rejectsWith(busy.query('up'), PrometheusErrorCode.timeout, 4, /^no usable answer from Prometheus at http:\/\/127\.0\.0\.1:\d+ within 1500ms \(2 attempts; HTTP 429 Too Many Requests with Retry-After: 1\)$/)
    assert.ok(Date.now() - started < 2500)
    assert.equal(seen.length, 2)
    await busy.close()
  })

  test('bad flags: not a URL is a usage error (exit 2); an unreadable CA file is bad input (exit 1)', () => {
    assert.throws(() => openPrometheus({headers: {}, kind: 'url', url: 'prometheus:9090 oops'}, {timeoutMs: 1000}), (err: unknown) => err instanceof MeshError && err.exitCode === 2)
    assert.throws(() => openPrometheus({headers: {}, kind: 'url', url: 'ftp://prometheus'}, {timeoutMs: 1000}), (err: unknown) => err instanceof MeshError && err.exitCode === 2 && /http or https/.test(err.message))
    assert.throws(() => openPrometheus({caFile: '/nonexistent/ca.pem', headers: {}, kind: 'url', url: 'https://prometheus'}, {timeoutMs: 1000}), (err: unknown) => err instanceof MeshError && err.exitCode === 1 && /\/nonexistent\/ca\.pem: cannot read the --prometheus-ca file \(ENOENT\)/.test(err.message))
  })
})

describe('Prometheus client over TLS', () => {
  const pki = makeApiPki()
  let url: string
  let server: Server
  let dir: string
  before(async () => {
    const served = await serve((_req, _body, res) => res.end(vector([])), {cert: pki.server.certPem, key: pki.server.keyPem})
    url = served.url
    server = served.server
    dir = mkdtempSync(join(tmpdir(), 'meshport-prom-ca-'))
    writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem)
  })
  after(() => {
    server.closeAllConnections()
    server.close()
    rmSync(dir, {force: true, recursive: true})
  })

  test('an unknown CA is a TLS error (exit 3) that names the flags to fix it', async () => {
    const client = openPrometheus({headers: {}, kind: 'url', url}, {env: {}, timeoutMs: 2000})
    const err = await rejectsWith(client.query('up'), PrometheusErrorCode.tls, 3, /TLS handshake with Prometheus at https:\/\/127\.0\.0\.1:\d+ failed \(/)
    assert.match(err.hint ?? '', /--prometheus-ca FILE/)
    await client.close()
  })

  test('--prometheus-ca, or --prometheus-insecure-skip-tls-verify', async () => {
    for (const endpoint of [{caFile: join(dir, 'ca.pem')}, {insecureSkipTlsVerify: true}]) {
      const client = openPrometheus({headers: {}, kind: 'url', url, ...endpoint}, {env: {}, timeoutMs: 2000})
      assert.deepEqual(await client.query('up'), [])
      await client.close()
    }
  })
})
