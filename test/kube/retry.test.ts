import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ClusterError, KubeApiError, TimeoutError} from '../../src/errors.js'
import {isConnectionDrop, MAX_RETRIES, recordAnswer, Retrier, retryAfterMs, type ResponseLike} from '../../src/kube/retry.js'
import type {RetryNotice} from '../../src/kube/types.js'

/** A clock that only moves when the retrier sleeps. */
function clock(): {now: () => number; sleep: (ms: number) => Promise<void>; slept: number[]} {
  let t = 0
  const slept: number[] = []
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms)
      t += ms
    },
    slept,
  }
}

const apiError = (code: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${code}`), {body: '', code, headers})
const reset = () => Object.assign(new Error('request to https://x/api failed, reason: socket hang up'), {code: 'ECONNRESET'})

function response(status: number, body: string, headers: Record<string, string> = {}): ResponseLike {
  return {body: {binary: async () => Buffer.from(body), text: async () => body}, headers, httpStatusCode: status}
}

describe('Retrier (client-go rules)', () => {
  test('429 with Retry-After is retried after that many seconds, and said so', async () => {
    const c = clock()
    const notices: RetryNotice[] = []
    const retrier = new Retrier('https://k8s.test', 10_000, {...c, onRetry: (n) => notices.push(n)})
    let calls = 0
    const result = await retrier.run('list pods in shop', async () => {
      if (++calls < 3) throw apiError(429, {'retry-after': '1'})
      return 'ok'
    })
    assert.equal(result, 'ok')
    assert.deepEqual(c.slept, [1000, 1000])
    assert.deepEqual(
      notices.map((n) => [n.action, n.attempt, n.waitMs]),
      [
        ['list pods in shop', 1, 1000],
        ['list pods in shop', 2, 1000],
      ],
    )
    assert.match(notices[0]!.reason, /429 Too Many Requests with Retry-After: 1/)
  })

  test('5xx is retried only with Retry-After; 4xx and plain 500 are final', async () => {
    const c = clock()
    const retrier = new Retrier('https://k8s.test', 10_000, c)
    let calls = 0
    await retrier.run('read', async () => {
      if (++calls === 1) throw apiError(503, {'retry-after': '0'})
      return 1
    })
    assert.equal(calls, 2)
    for (const error of [apiError(500), apiError(404, {'retry-after': '1'}), apiError(401)]) {
      let n = 0
      await assert.rejects(
        retrier.run('read', async () => {
          n++
          throw error
        }),
        (err) => err === error,
      )
      assert.equal(n, 1)
    }
  })

  test('a connection reset before any answer is retried after 1s; one after the headers is not', async () => {
    const c = clock()
    const retrier = new Retrier('https://k8s.test', 10_000, c)
    let calls = 0
    assert.equal(
      await retrier.run('list', async () => {
        if (++calls === 1) throw reset()
        return 'ok'
      }),
      'ok',
    )
    assert.deepEqual(c.slept, [1000])
    let after = 0
    await assert.rejects(
      retrier.run('list', async () => {
        after++
        await recordAnswer(response(200, '{"items": [', {'content-type': 'application/json'}))
        throw reset()
      }),
      (err) => err instanceof KubeApiError && /list: the answer \(HTTP 200\) was cut short \(ECONNRESET\)/.test(err.message),
    )
    assert.equal(after, 1)
  })

  test('at most 10 retries', async () => {
    const c = clock()
    const retrier = new Retrier('https://k8s.test', 3_600_000, c)
    let calls = 0
    await assert.rejects(
      retrier.run('list', async () => {
        calls++
        throw apiError(429, {'retry-after': '1'})
      }),
      (err) => (err as {code?: number}).code === 429,
    )
    assert.equal(calls, MAX_RETRIES + 1)
  })

  test('retries stay inside the request timeout: a wait past it ends as a timeout naming the cause', async () => {
    const c = clock()
    const retrier = new Retrier('https://k8s.test', 2_500, c)
    let calls = 0
    await assert.rejects(
      retrier.run('list pods in shop', async () => {
        calls++
        throw apiError(429, {'retry-after': '1'})
      }),
      (err) => err instanceof TimeoutError && /^list pods in shop: no usable answer within 2500ms \(3 attempts; HTTP 429 Too Many Requests with Retry-After: 1\)$/.test(err.message),
    )
    assert.equal(calls, 3)
    assert.ok(c.now() < 2_500)
    // A Retry-After longer than the whole timeout is not slept at all.
    const d = clock()
    await assert.rejects(new Retrier('https://k8s.test', 5_000, d).run('list', async () => Promise.reject(apiError(503, {'retry-after': '60'}))), TimeoutError)
    assert.deepEqual(d.slept, [])
  })

  test('the attempt signal aborts at the deadline; without a connection that is an unreachable server', async () => {
    const {attemptSignal} = await import('../../src/kube/retry.js')
    const retrier = new Retrier('https://k8s.test', 150)
    const started = Date.now()
    await assert.rejects(
      retrier.run('read', () => new Promise((_, reject) => attemptSignal(1).addEventListener('abort', () => reject(Object.assign(new Error('aborted'), {name: 'AbortError'}))))),
      (err) => err instanceof ClusterError && /^cannot reach the Kubernetes API at https:\/\/k8s.test: no connection within 150ms \(read\)$/.test(err.message),
    )
    assert.ok(Date.now() - started >= 140)
  })

  test('past the deadline after retries, the cause of the retries is named even if the last attempt never connected', async () => {
    const {attemptSignal} = await import('../../src/kube/retry.js')
    const retrier = new Retrier('https://k8s.test', 200)
    let calls = 0
    await assert.rejects(
      retrier.run('read pod/web in shop', async () => {
        if (++calls === 1) throw apiError(503, {'retry-after': '0'})
        // A connection that never comes up: only the deadline ends it.
        return new Promise((_, reject) => attemptSignal(1).addEventListener('abort', () => reject(Object.assign(new Error('aborted'), {name: 'AbortError'}))))
      }),
      (err) => err instanceof TimeoutError && err.message === 'read pod/web in shop: no usable answer within 200ms (2 attempts; HTTP 503 with Retry-After: 0)',
    )
  })

  test('a JSON body that does not parse is reported with its status and a short excerpt', async () => {
    const retrier = new Retrier('https://k8s.test', 1_000)
    await assert.rejects(
      retrier.run('read the server version', async () => {
        const r = await recordAnswer(response(200, '{"major": "1", "min', {'content-type': 'application/json'}))
        return JSON.parse(await r.body.text()) as unknown
      }),
      (err) => err instanceof KubeApiError && err.message === `read the server version: the API server answered HTTP 200 with a body that is not a valid JSON object (application/json: "{"major": "1", "min")`,
    )
  })

  test('a body that is not JSON is reported with its status, type and a short excerpt', async () => {
    const retrier = new Retrier('https://k8s.test', 1_000)
    const html = `<html>\u001B[31m${'x'.repeat(500)}</html>`
    await assert.rejects(
      retrier.run('list pods in shop', async () => {
        // client-node would hand an HTML page on as a string: it is refused when it arrives.
        const r = await recordAnswer(response(200, html, {'content-type': 'text/html; charset=utf-8'}))
        return JSON.parse(await r.body.text()) as unknown
      }),
      (err) => {
        assert.ok(err instanceof KubeApiError)
        assert.equal(err.status, 200)
        // The excerpt keeps the body's bytes (the terminal writer escapes them; JSON does too).
        assert.equal(err.message, `list pods in shop: the API server answered HTTP 200 with a body that is not a valid JSON object (text/html: "<html>\u001B[31m${'x'.repeat(49)}...")`)
        assert.ok(err.message.length < 200)
        return true
      },
    )
  })
})

test('Retry-After is whole seconds only, as client-go reads it', () => {
  assert.equal(retryAfterMs({'retry-after': '2'}), 2000)
  assert.equal(retryAfterMs({'retry-after': ' 0 '}), 0)
  assert.equal(retryAfterMs({'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT'}), undefined)
  assert.equal(retryAfterMs({'retry-after': '-1'}), undefined)
  assert.equal(retryAfterMs({}), undefined)
})

test('connection drops are told from other failures', () => {
  assert.ok(isConnectionDrop(reset()))
  assert.ok(isConnectionDrop(Object.assign(new Error('x'), {cause: {code: 'EPIPE'}})))
  assert.ok(isConnectionDrop(new Error('Client network socket disconnected before secure TLS connection was established')))
  assert.ok(!isConnectionDrop(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'})))
  assert.ok(!isConnectionDrop(new SyntaxError('Unexpected token <')))
})
