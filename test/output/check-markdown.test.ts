// `check -o markdown` (the GitHub Action's job summary): the verdict, one table row per check that
// did not pass, errors before timeouts before warnings, hints as links; cluster text escaped so it
// cannot break the table, emphasise, link or inject HTML.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {CheckEntry, CheckReport} from '../../src/checks/types.js'
import {markdownCell, renderCheckMarkdown} from '../../src/output/check-markdown.js'

function report(checks: CheckEntry[], extra: Partial<CheckReport> = {}): CheckReport {
  const counts = {error: 0, skipped: 0, success: 0, timeout: 0, warning: 0}
  for (const check of checks) counts[check.result]++
  return {schemaVersion: 1, success: counts.error + counts.timeout === 0, failOn: 'error', counts, categories: [{id: 'c', name: 'c', checks}], stats: {apiCalls: 0, listCalls: 0, durationMs: 1}, ...extra}
}

const rows = (markdown: string) => markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| result') && !line.startsWith('| ---'))

describe('check -o markdown', () => {
  test('a run that passed: the verdict and the counts, no table', () => {
    const text = renderCheckMarkdown(report([{id: 'c.a', description: 'a', result: 'success', durationMs: 1}, {id: 'c.b', description: 'b', result: 'skipped', error: 'not here', durationMs: 0}]))
    assert.equal(text, '### meshport check: √ passed\n\n1 passed, 0 warnings, 0 errors, 0 timed out, 1 skipped\n')
  })

  test('failed, warning and timed-out checks, errors first, with their hints as links', () => {
    const text = renderCheckMarkdown(
      report(
        [
          {id: 'c.warn', description: 'w', result: 'warning', error: 'expires soon', hint: 'https://linkerd.io/2/checks/#l5d-x', durationMs: 1},
          {id: 'c.slow', description: 's', result: 'timeout', error: 'timed out after 10s', durationMs: 10_000},
          {id: 'c.ok', description: 'fine', result: 'success', durationMs: 1},
          {id: 'c.bad', description: 'b', result: 'error', error: 'two\nlines', hint: 'https://linkerd.io/2/tasks/generate-certificates/', durationMs: 1},
        ],
        {stoppedBy: 'c.bad'},
      ),
    )
    assert.match(text, /^### meshport check: × failed\n\n\| result \| check \| error \| hint \|\n\| --- \| --- \| --- \| --- \|\n/)
    assert.deepEqual(rows(text), [
      '| × error | `c.bad`<br>b | two<br>lines | [linkerd.io/2/tasks/generate-certificates/](https://linkerd.io/2/tasks/generate-certificates/) |',
      '| × timeout | `c.slow`<br>s | timed out after 10s |  |',
      '| ‼ warning | `c.warn`<br>w | expires soon | [l5d-x](https://linkerd.io/2/checks/#l5d-x) |',
    ])
    assert.match(text, /\n1 passed, 1 warning, 1 error, 1 timed out, 0 skipped\n$/)
  })

  test('only timeouts: the verdict says timed out; --fail-on warning is named when it decided', () => {
    assert.match(renderCheckMarkdown(report([{id: 'c.t', description: 't', result: 'timeout', durationMs: 1}])), /^### meshport check: × timed out\n/)
    const warned = renderCheckMarkdown(report([{id: 'c.w', description: 'w', result: 'warning', error: 'x', durationMs: 1}], {failOn: 'warning', success: false}))
    assert.match(warned, /^### meshport check: × failed\n/)
    assert.match(warned, /; warnings fail this run \(--fail-on warning\)\n$/)
  })

  test('a run that could not start says so, with its exit code', () => {
    const text = renderCheckMarkdown(report([{id: 'kubernetes-api.can-query-api', description: 'can query the Kubernetes API', result: 'error', error: 'connection refused', durationMs: 0}]), {code: 'KUBE_UNREACHABLE', message: 'connection refused', exitCode: 3})
    assert.match(text, /^### meshport check: × could not run \(exit 3\)\n\n\| result /)
  })

  test('a fatal stop says which check kept the rest from running', () => {
    const text = renderCheckMarkdown(report([{id: 'c.api', description: 'api', result: 'error', error: 'refused', durationMs: 1}, {id: 'c.later', description: 'l', result: 'skipped', durationMs: 0}], {stoppedBy: 'c.api'}))
    assert.match(text, /1 skipped \(not run: `c\.api` failed\)\n$/)
  })

  test('cluster text cannot break the table, emphasise, link or inject HTML', () => {
    assert.equal(markdownCell('a | b'), 'a \\| b')
    assert.equal(markdownCell('<img src=x onerror=alert(1)> & co'), '&lt;img src=x onerror=alert(1)&gt; &amp; co')
    assert.equal(markdownCell('*bold* _it_ `code` [link](https://evil) ~~gone~~ back\\slash'), '\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](https://evil) \\~\\~gone\\~\\~ back\\\\slash')
    assert.equal(markdownCell('line 1\r\n\tline 2'), 'line 1<br> line 2')
    // Control characters in caret notation, as on the terminal (src/output/terminal.ts).
    assert.equal(markdownCell('\u001b[31mred\u0007'), '^\\[\\[31mred^G')
    const text = renderCheckMarkdown(report([{id: 'c.x', description: 'pipes | here', result: 'error', error: 'a|b\nc', hint: 'javascript:alert(1)', durationMs: 1}]))
    const [row] = rows(text)
    // Four cells: the pipes inside are escaped, and a hint that is no http(s) URL is no link.
    assert.equal(row!.split(/(?<!\\)\|/).length - 2, 4, row)
    assert.ok(row!.endsWith('| javascript:alert(1) |'), row)
    assert.doesNotMatch(row!, /\]\(javascript/)
  })
})
