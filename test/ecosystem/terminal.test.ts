// Terminal manners, under real pseudo-terminals (util-linux `script`, and tmux for what a person
// sees on screen): spinners and colour only on a terminal, NO_COLOR and --color honoured, tables
// that fit the terminal, text wrapped between words at 80 columns, `viz stat --watch` redrawing
// in place (wrapped rows too) and stopping cleanly on Ctrl-C.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {binPath, runCli} from '../helpers/run-cli.js'
import {repoRoot} from '../helpers/testdata.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {findTool, skipWithout} from '../helpers/tools.js'

const ESC = '\u001B'
// SGR colour codes (foreground/background, normal and bright); bold alone is not colour.
// eslint-disable-next-line no-control-regex -- terminal escape sequences are what these tests read
const COLOUR = /\u001B\[(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9]+)*m/
const HIDE_CURSOR = `${ESC}[?25l`
const SHOW_CURSOR = `${ESC}[?25h`

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`
const visible = (s: string): string =>
  s
    .split('\n')
    // What stays on a line: the text after its last carriage return or cursor-to-column-1.
    // eslint-disable-next-line no-control-regex -- terminal escape sequences
    .map((line) => line.split(/\r(?!$)|\u001B\[1?G/).at(-1)!.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', ''))
    .join('\n')

const script = findTool('script')
const tmux = findTool('tmux')

interface PtyResult {
  code: number | null
  /** Everything the terminal received, stdout and stderr interleaved, raw. */
  output: string
}

/** Runs meshport on a pseudo-terminal of the given width (util-linux script -e keeps the exit code). */
async function onTerminal(args: string[], options: {columns?: number; env?: NodeJS.ProcessEnv; interruptWhen?: (output: string) => boolean} = {}): Promise<PtyResult> {
  const command = `stty cols ${options.columns ?? 120} rows 40; exec ${quote(process.execPath)} ${quote(binPath)} ${args.map(quote).join(' ')}`
  const env: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color', ...options.env}
  delete env.CI
  delete env.NO_COLOR
  for (const [k, v] of Object.entries(options.env ?? {})) env[k] = v
  const child = spawn(script!, ['-qefc', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']})
  const chunks: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => chunks.push(c))
  child.stderr.on('data', (c: Buffer) => chunks.push(c))
  child.stdin.on('error', () => {})
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  // Never hang the suite: a run that ignores Ctrl-C is killed (and then fails on its exit code).
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  if (options.interruptWhen !== undefined) {
    let exited = false
    void closed.then(() => (exited = true))
    for (let waited = 0; !exited && waited < 40_000 && !options.interruptWhen(Buffer.concat(chunks).toString('utf8')); waited += 100) await sleep(100)
    // Ctrl-C as the terminal sends it: the interrupt character on the pty's input.
    child.stdin.write('\u0003')
  }
  const code = await closed
  clearTimeout(timer)
  return {code, output: Buffer.concat(chunks).toString('utf8')}
}

/**
 * Asserts that `narrow` is `wide` broken into lines of at most `columns` between words: every line
 * fits (so the terminal splits nothing), and every token is a word of the wide text or a piece of
 * one cut after `|`, `,` or `/` (option lists, comma lists, paths). A ` \\` ends a continued
 * example command.
 */
function assertWordWrapped(narrow: string, wide: string, columns: number, what: string): void {
  const lines = narrow.split('\n')
  assert.deepEqual(lines.filter((l) => [...l].length > columns), [], `${what}: lines wider than ${columns}`)
  const words = new Set<string>()
  for (const word of wide.split(/\s+/)) {
    words.add(word)
    // Every cut after a separator: the pieces of `a|b|c` are a|, b|, c, a|b|, b|c, ...
    const cuts = [0, ...[...word.matchAll(/[|,/]/g)].map((m) => (m.index ?? 0) + 1), word.length]
    for (let i = 0; i < cuts.length; i++) for (let j = i + 1; j < cuts.length; j++) words.add(word.slice(cuts[i], cuts[j]))
  }
  const split = narrow.split(/\s+/).filter((t) => t !== '' && t !== '\\' && !words.has(t))
  assert.deepEqual(split, [], `${what}: words split at ${columns} columns`)
  assert.equal(narrow.replace(/\s|\\/g, ''), wide.replace(/\s|\\/g, ''), `${what}: the same text`)
}

describe('terminal manners', {skip: skipWithout('script', 'util-linux script runs the CLI under a pseudo-terminal'), timeout: 180_000}, () => {
  let sim: Sim
  let env: NodeJS.ProcessEnv
  before(async () => {
    sim = await startSim({scenario: 'healthy'})
    env = {KUBECONFIG: sim.kubeconfigPath}
  })
  after(async () => {
    await sim?.stop()
  })

  test('piped: no colour, no spinner, no escape sequence at all', async () => {
    const r = await runCli(['check', '--offline'], {env: {...env, NO_COLOR: ''}})
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!r.stdout.includes(ESC) && !r.stderr.includes(ESC), JSON.stringify(r.stderr.slice(0, 200)))
  })

  test('on a terminal: a spinner on stderr while checks run, colour in the report, cursor restored', async () => {
    const r = await onTerminal(['check', '--offline'], {env})
    assert.equal(r.code, 0, visible(r.output))
    assert.ok(r.output.includes(HIDE_CURSOR), 'the spinner hides the cursor')
    assert.match(r.output, COLOUR)
    assert.ok(r.output.lastIndexOf(SHOW_CURSOR) > r.output.lastIndexOf(HIDE_CURSOR), 'the cursor is shown again')
    assert.match(visible(r.output), /Status check results are √/)
  })

  test('NO_COLOR on a terminal: no colour anywhere, the spinner included', async () => {
    const r = await onTerminal(['check', '--offline'], {env: {...env, NO_COLOR: '1'}})
    assert.equal(r.code, 0, visible(r.output))
    assert.doesNotMatch(r.output, COLOUR)
  })

  test('--color never on a terminal: no colour anywhere', async () => {
    const r = await onTerminal(['check', '--offline', '--color', 'never'], {env})
    assert.equal(r.code, 0, visible(r.output))
    assert.doesNotMatch(r.output, COLOUR)
  })

  test('--color always when piped: colour in the report, still no spinner', async () => {
    const r = await runCli(['check', '--offline', '--color', 'always'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, COLOUR)
    assert.ok(!r.stderr.includes(HIDE_CURSOR))
  })

  test('--color auto is the default and follows the terminal', async () => {
    const r = await onTerminal(['check', '--offline', '--color', 'auto'], {env})
    assert.match(r.output, COLOUR)
  })

  test('viz stat: the table fits the terminal width; Linkerd\'s headers at every width', async () => {
    for (const columns of [120, 80, 60]) {
      const r = await onTerminal(['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s'], {columns, env})
      assert.equal(r.code, 0, visible(r.output))
      const lines = visible(r.output).split('\n').filter((l) => l.trim() !== '')
      const header = lines.find((l) => /^NAME\b/.test(l))
      assert.deepEqual(header?.split(/ +/), ['NAME', 'MESHED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN'], `${columns} columns`)
      // Narrower gaps make it fit down to 80 columns; below that the terminal wraps it.
      if (columns >= 80) assert.deepEqual(lines.filter((l) => [...l].length > columns), [], `${columns} columns`)
    }
  })

  test('help and diagnose pod at 80 columns: every line fits, no word is split', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {hidden?: boolean}>}
    const subjects = [[], ['viz'], ['diagnose'], ...Object.entries(manifest.commands).filter(([, c]) => !c.hidden).map(([id]) => id.split(':'))]
    for (const words of subjects) {
      const [narrow, wide] = await Promise.all([onTerminal([...words, '--help'], {columns: 80}), onTerminal([...words, '--help'], {columns: 250})])
      assert.equal(narrow.code, 0, visible(narrow.output))
      assertWordWrapped(visible(narrow.output), visible(wide.output), 80, `${words.join(' ') || 'meshport'} --help`)
    }
    const pod = sim.cluster.podsOf('emojivoto', 'web')[0]?.name ?? ''
    const args = ['diagnose', 'pod', pod, '-n', 'emojivoto']
    const [narrow, wide] = await Promise.all([onTerminal(args, {columns: 80, env}), onTerminal(args, {columns: 250, env})])
    assert.equal(narrow.code, 0, visible(narrow.output))
    assert.ok(visible(wide.output).split('\n').some((l) => [...l].length > 80), 'the report has lines longer than 80 columns to wrap')
    // The certificate's expiry says how far away it is.
    assert.match(visible(narrow.output), /certificate: +expires \S+ \(in \d+[smhdy]/)
    // Identity counts move between the two runs; compare the parts that stay.
    const stable = (text: string) => text.replace(/\d+\/\d+ \([\d.]+%\)|\(\d+\)/g, 'N')
    assertWordWrapped(stable(visible(narrow.output)), stable(visible(wide.output)), 80, 'diagnose pod')
  })

  test('viz stat --watch: a spinner while the first window runs, none once the table is up', async () => {
    const r = await onTerminal(['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '2s', '--watch'], {env, interruptWhen: (out) => out.includes('vote-bot')})
    const first = r.output.indexOf('NAME')
    assert.ok(first > 0, visible(r.output))
    const before = r.output.slice(0, first)
    assert.ok(before.includes(HIDE_CURSOR), 'a spinner before the first table')
    assert.match(before, /scraping 5 meshed pods twice, 2s apart/)
    assert.ok(r.output.indexOf(SHOW_CURSOR, r.output.lastIndexOf(HIDE_CURSOR)) < first, 'the spinner is gone before the table is drawn')
  })

  test('viz stat --watch redraws in place and stops cleanly on Ctrl-C', async () => {
    // Interrupted once it has redrawn twice.
    // eslint-disable-next-line no-control-regex -- the redraw sequence: cursor up n lines, clear below
    const redraws = (out: string): number => out.split(/\u001B\[\d+A\u001B\[J/).length - 1
    const r = await onTerminal(['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s', '--watch'], {env, interruptWhen: (out) => redraws(out) >= 2})
    // Each refresh moves the cursor up over the previous table and clears below (ESC[nA ESC[J).
    assert.ok(redraws(r.output) >= 2, 'redrawn in place at least twice')
    const text = visible(r.output)
    assert.ok(text.split('\n').filter((l) => /^NAME\b/.test(l)).length >= 2, 'at least two refreshes')
    // Interrupted: exits at once with the shell's code for SIGINT (or 0), no error, no stack.
    assert.ok(r.code === 130 || r.code === 0, `exit code ${r.code}`)
    assert.doesNotMatch(text, /Error|at .*\.js:\d+/)
  })

  /** A bash in tmux, `columns` wide, with the simulated cluster's kubeconfig. */
  function tmuxShell(columns: number) {
    const socket = `meshport-terminal-${process.pid}-${columns}`
    const t = (...args: string[]) => spawnSync(tmux!, ['-L', socket, ...args], {encoding: 'utf8'})
    const shellEnv = `env -u NO_COLOR -u CI PS1='$ ' KUBECONFIG=${quote(sim.kubeconfigPath)} bash --norc --noprofile`
    t('new-session', '-d', '-x', String(columns), '-y', '30', shellEnv)
    // -J joins the rows the terminal wrapped back into the lines that were written.
    const screen = (joined = false) => t('capture-pane', '-p', ...(joined ? ['-J'] : [])).stdout
    const waitFor = async (test: (s: string) => boolean, ms: number): Promise<string> => {
      let s = screen()
      for (let waited = 0; !test(s) && waited < ms; waited += 100) {
        await sleep(100)
        s = screen()
      }
      return s
    }
    const run = (args: string) => t('send-keys', `clear; ${quote(process.execPath)} ${quote(binPath)} ${args}`, 'Enter')
    return {run, screen, t, waitFor, kill: () => t('kill-server')}
  }

  test('viz stat --watch in tmux: one table on screen, the prompt back after Ctrl-C', {skip: skipWithout('tmux')}, async () => {
    const {run, screen, t, waitFor, kill} = tmuxShell(120)
    try {
      run('viz stat deploy -n emojivoto -t 1s --watch')
      await waitFor((s) => /^web\s/m.test(s), 15_000)
      await sleep(3_000) // a few refreshes
      const during = screen()
      assert.equal(during.split('\n').filter((l) => /^NAME\b/.test(l)).length, 1, during)
      t('send-keys', 'C-c', '')
      // bash drops the rest of a command line whose job died of SIGINT: ask for $? at the prompt.
      await waitFor((s) => /^\$ $/m.test(s), 10_000)
      t('send-keys', 'echo "exit=$?"', 'Enter')
      const end = await waitFor((s) => /exit=\d+/.test(s), 10_000)
      assert.match(end, /exit=(130|0)\b/, end)
      assert.doesNotMatch(end, /Error/)
    } finally {
      kill()
    }
  })

  test('check --wait at 40 columns: the spinner stays on one row, cut with an ellipsis', {skip: skipWithout('tmux')}, async () => {
    const {run, screen, waitFor, kill} = tmuxShell(40)
    try {
      // No control plane in that namespace: control-plane-pods-ready is retried until the deadline.
      run('check -L nowhere --wait 8s')
      await waitFor((s) => /waiting for/.test(s), 15_000)
      await sleep(1_500) // a few countdown redraws
      const lines = screen(true).split('\n')
      const spinner = lines.filter((l) => l.includes('waiting for'))
      assert.equal(spinner.length, 1, screen())
      assert.ok([...(spinner[0] ?? '')].length <= 40, `${spinner[0]} (${[...(spinner[0] ?? '')].length} columns)`)
      assert.match(spinner[0] ?? '', /…$/)
    } finally {
      kill()
    }
  })

  test('viz stat --watch at 80 columns: rows the terminal wraps leave nothing behind on a redraw', {skip: skipWithout('tmux')}, async () => {
    const {run, screen, waitFor, kill} = tmuxShell(80)
    try {
      // With -A the rows are wider than 80 columns even with one-space gaps: every row wraps.
      run('viz stat deploy -A -t 1s --watch')
      await waitFor((s) => /vote-bot/.test(s), 15_000)
      await sleep(4_000) // several redraws of a wrapped table
      const rows = screen()
      const lines = screen(true).split('\n').filter((l) => l.trim() !== '')
      assert.ok(lines.some((l) => [...l].length > 80), `the table wraps at 80 columns:\n${rows}`)
      // Exactly one table: one header and each row once, nothing else but the command line.
      assert.equal(lines.filter((l) => /^NAMESPACE\b/.test(l)).length, 1, rows)
      for (const name of ['emoji', 'vote-bot', 'voting', 'web', 'linkerd-destination']) {
        assert.equal(lines.filter((l) => new RegExp(`^\\S+ +${name} `).test(l)).length, 1, `${name}:\n${rows}`)
      }
      assert.deepEqual(lines.filter((l) => !/^(\$ |NAMESPACE\b|(emojivoto|linkerd|kube-system)\s)/.test(l)), [], rows)
    } finally {
      kill()
    }
  })
})

describe('inject --diff on a terminal', {skip: script ? false : 'util-linux script is not installed', timeout: 60_000}, () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-diff-'))
    writeFileSync(join(dir, 'web.yml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers: []\n')
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('in colour as git diff: file headers bold, hunk header cyan, added lines green', async () => {
    const r = await onTerminal(['inject', '--diff', join(dir, 'web.yml')])
    assert.equal(r.code, 1, r.output)
    assert.ok(r.output.includes(`${ESC}[1m--- ${join(dir, 'web.yml')}${ESC}[22m`), JSON.stringify(r.output))
    assert.ok(r.output.includes(`${ESC}[36m@@ -7,5 +7,7 @@${ESC}[39m`), JSON.stringify(r.output))
    assert.ok(r.output.includes(`${ESC}[32m+      annotations:${ESC}[39m`), JSON.stringify(r.output))
  })

  test('no colour with --color never or NO_COLOR on a terminal, none in a pipe; --color always forces it', async () => {
    for (const args of [['--color', 'never'], []]) {
      const r = await onTerminal(['inject', '--diff', ...args, join(dir, 'web.yml')], args.length === 0 ? {env: {NO_COLOR: '1'}} : {})
      assert.equal(r.code, 1, r.output)
      assert.match(r.output, /\+ {6}annotations:/)
      assert.doesNotMatch(r.output, COLOUR, JSON.stringify(r.output))
    }
    const piped = await runCli(['inject', '--diff', join(dir, 'web.yml')], {env: {NO_COLOR: ''}})
    assert.equal(piped.code, 1)
    assert.ok(!piped.stdout.includes(ESC), JSON.stringify(piped.stdout))
    const forced = await runCli(['inject', '--diff', '--color', 'always', join(dir, 'web.yml')])
    assert.match(forced.stdout, COLOUR)
  })
})
