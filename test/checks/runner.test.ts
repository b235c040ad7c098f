import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {reportExitCode, runChecks, runOnce} from '../../src/checks/runner.js'
import {isSelected, splitIds, unknownSelectors} from '../../src/checks/select.js'
import {fail, pass, skip, type Category, type Check} from '../../src/checks/types.js'

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function check(id: string, run: Check<unknown>['run'], extra: Partial<Check<unknown>> = {}): Check<unknown> {
  return {id, description: `${id} works`, severity: 'error', run, ...extra}
}

describe('runner', () => {
  test('runs categories in order and the checks of one category in parallel', async () => {
    const events: string[] = []
    // `a` can only finish after `b` has: if the runner ran them one after the other, it would hang.
    let bDone: () => void = () => {}
    const bFinished = new Promise<void>((resolve) => {
      bDone = resolve
    })
    const a = check('a', async () => {
      events.push('start a')
      await bFinished
      events.push('end a')
      return pass()
    })
    const b = check('b', async () => {
      events.push('start b')
      await delay(1)
      events.push('end b')
      bDone()
      return pass()
    })
    const c = check('c', async () => {
      events.push('start c')
      return pass()
    })
    const categories: Array<Category<unknown>> = [
      {id: 'one', name: 'one', checks: [a, b]},
      {id: 'two', name: 'two', checks: [c]},
    ]
    const report = await runChecks(categories, {}, {checkTimeoutMs: 5000})
    assert.deepEqual(events, ['start a', 'start b', 'end b', 'end a', 'start c'])
    assert.deepEqual(report.categories.map((x) => x.checks.map((y) => y.id)), [['one.a', 'one.b'], ['two.c']])
    assert.equal(report.success, true)
    assert.equal(reportExitCode(report), 0)
  })

  test('a check past its deadline is a timeout naming what it waited for', async () => {
    let aborted = false
    const hang = check('hang', async (_ctx, scope) => {
      scope.signal.addEventListener('abort', () => {
        aborted = true
      })
      await scope.waitFor('pod/web-1 in shop', new Promise(() => {}))
      return pass()
    })
    const entry = await runOnce(hang, {}, 50)
    assert.equal(entry.result, 'timeout')
    assert.match(entry.error ?? '', /timed out after 50ms waiting for pod\/web-1 in shop/)
    assert.equal(aborted, true)
    const report = await runChecks([{id: 'c', name: 'c', checks: [hang]}], {}, {checkTimeoutMs: 30})
    assert.equal(report.success, false)
    assert.equal(reportExitCode(report), 4)
  })

  test('thrown errors, warnings and skips become results', async () => {
    const categories: Array<Category<unknown>> = [
      {
        id: 'c',
        name: 'c',
        checks: [
          check('boom', async () => {
            throw new Error('configmap/linkerd-config in linkerd not found')
          }),
          check('warn', async () => fail('expires soon'), {severity: 'warning', hint: 'some-anchor'}),
          check('warn-throws', async () => {
            throw new Error('cannot reach versioncheck.linkerd.io')
          }, {severity: 'warning'}),
          check('skip', async () => skip('not installed')),
        ],
      },
    ]
    const report = await runChecks(categories, {}, {checkTimeoutMs: 1000})
    const [boom, warn, warnThrows, skipped] = report.categories[0]?.checks ?? []
    assert.equal(warnThrows?.result, 'warning')
    assert.equal(boom?.result, 'error')
    assert.equal(boom?.error, 'configmap/linkerd-config in linkerd not found')
    assert.equal(warn?.result, 'warning')
    assert.equal(warn?.hint, 'https://linkerd.io/2/checks/#some-anchor')
    assert.equal(skipped?.result, 'skipped')
    assert.deepEqual(report.counts, {error: 1, skipped: 1, success: 0, timeout: 0, warning: 2})
    assert.equal(reportExitCode(report), 1)
    assert.equal(reportExitCode({...report, counts: {...report.counts, error: 0}}), 0)
    assert.equal(reportExitCode({...report, counts: {...report.counts, error: 0}, failOn: 'warning'}), 1)
  })

  test('--fail-on warning makes warnings fail the run', async () => {
    const categories: Array<Category<unknown>> = [{id: 'c', name: 'c', checks: [check('w', async () => fail('soon'), {severity: 'warning'})]}]
    assert.equal((await runChecks(categories, {}, {checkTimeoutMs: 100})).success, true)
    const strict = await runChecks(categories, {}, {checkTimeoutMs: 100, failOn: 'warning'})
    assert.equal(strict.success, false)
    assert.equal(reportExitCode(strict), 1)
  })

  test('a failed fatal check skips later categories with the reason', async () => {
    let ran = false
    const categories: Array<Category<unknown>> = [
      {id: 'api', name: 'api', checks: [check('query', async () => fail('unreachable'), {fatal: true}), check('other', async () => pass())]},
      {id: 'later', name: 'later', checks: [check('x', async () => ((ran = true), pass()))]},
    ]
    const report = await runChecks(categories, {}, {checkTimeoutMs: 100})
    assert.equal(ran, false)
    assert.equal(report.stoppedBy, 'api.query')
    assert.deepEqual(report.categories[1]?.checks[0], {id: 'later.x', description: 'x works', result: 'skipped', error: 'not run: api.query failed', durationMs: 0})
    // The rest of the fatal check's own category still ran.
    assert.equal(report.categories[0]?.checks[1]?.result, 'success')
  })

  test('--wait retries failing retryable checks on a refreshed context until they pass', async () => {
    let attempts = 0
    const refreshed: number[] = []
    const notices: number[] = []
    const flaky = check(
      'ready',
      async (ctx) => {
        attempts++
        return (ctx as {generation: number}).generation >= 2 ? pass() : fail('pod/web-1 in shop is not ready')
      },
      {retry: true},
    )
    const once = check('once', async () => fail('no retry'), {retry: false})
    let onceRuns = 0
    const counted = {...once, run: async (...args: Parameters<typeof once.run>) => (onceRuns++, once.run(...args))}
    const report = await runChecks([{id: 'c', name: 'c', checks: [flaky, counted]}], {generation: 0}, {
      checkTimeoutMs: 100,
      waitMs: 1000,
      retryIntervalMs: 1,
      refresh: (ctx) => {
        const next = {generation: (ctx as {generation: number}).generation + 1}
        refreshed.push(next.generation)
        return next
      },
      onRetry: (notice) => notices.push(notice.checkIds.length),
    })
    assert.equal(attempts, 3)
    assert.equal(onceRuns, 1)
    assert.deepEqual(refreshed, [1, 2])
    assert.deepEqual(notices, [1, 1])
    assert.equal(report.categories[0]?.checks[0]?.result, 'success')
  })

  test('retries stop at the --wait deadline and keep the last failure', async () => {
    let attempts = 0
    const never = check('ready', async () => (attempts++, fail(`attempt ${attempts}`)), {retry: true})
    // A clock of our own: the rounds fall at 0, 20, 40 and 60 ms whatever the machine's load.
    let clock = 0
    const sleep = async (ms: number) => {
      clock += ms
    }
    const report = await runChecks([{id: 'c', name: 'c', checks: [never]}], {}, {checkTimeoutMs: 100, waitMs: 60, retryIntervalMs: 20, now: () => clock, sleep})
    assert.equal(attempts, 4)
    assert.equal(clock, 60, 'never sleeps past the deadline')
    assert.equal(report.categories[0]?.checks[0]?.error, 'attempt 4')
  })

  test('--only and --skip select by check id, category id or alias', async () => {
    const categories: Array<Category<unknown>> = [
      {id: 'a', name: 'a', checks: [check('x', async () => pass()), {...check('y', async () => pass()), aliases: ['their-y']}]},
      {id: 'b', name: 'linkerd-b', aliases: ['linkerd-b'], checks: [check('z', async () => pass())]},
    ]
    const ids = async (only: string[], skipIds: string[]) =>
      (await runChecks(categories, {}, {checkTimeoutMs: 100, selection: {only, skip: skipIds}})).categories.flatMap((c) => c.checks.map((x) => x.id))
    assert.deepEqual(await ids(['a.y'], []), ['a.y'])
    assert.deepEqual(await ids(['a'], ['a.x']), ['a.y'])
    assert.deepEqual(await ids([], ['b']), ['a.x', 'a.y'])
    assert.deepEqual(await ids(['linkerd-b', 'their-y'], []), ['a.y', 'b.z'])
    assert.deepEqual(await ids([], ['their-y', 'linkerd-b']), ['a.x'])
    assert.deepEqual(unknownSelectors(categories, {only: ['a.x', 'nope'], skip: ['b', 'b.q', 'linkerd-b']}), ['nope', 'b.q'])
    assert.equal(isSelected({id: 'a'}, {id: 'x'}, {only: [], skip: []}), true)
    assert.deepEqual(splitIds(['a.x,b', ' c ']), ['a.x', 'b', 'c'])
  })
})

test('an API call that times out makes the check a timeout, not an error', async () => {
  const {TimeoutError} = await import('../../src/errors.js')
  const entry = await runOnce(
    check('slow', async () => {
      throw new TimeoutError('list pods in shop: no answer from https://k8s within 10000ms')
    }),
    {},
    1000,
  )
  assert.equal(entry.result, 'timeout')
  assert.equal(entry.error, 'list pods in shop: no answer from https://k8s within 10000ms')
})
