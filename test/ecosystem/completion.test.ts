// Shell completion through the real shells: bash's completion function as `complete -F` calls
// it, TAB pressed in an interactive bash inside tmux, zsh where installed, and kubectl's plugin
// completion (`kubectl meshport <TAB>` runs kubectl_complete-meshport).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {binPath, runCli} from '../helpers/run-cli.js'
import {findTool, skipWithout} from '../helpers/tools.js'

const completeBin = fileURLToPath(new URL('../../bin/kubectl_complete-meshport.js', import.meta.url))

describe('shell completion', {timeout: 120_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-completion-'))
  const bin = join(dir, 'bin')
  const env = {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1'}
  let bashScript = ''
  let zshScript = ''

  before(async () => {
    spawnSync('mkdir', ['-p', bin])
    // The installed names, as npm links them.
    for (const [name, target] of [['meshport', binPath], ['kubectl-meshport', binPath], ['kubectl_complete-meshport', completeBin]] as const) {
      writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`)
      chmodSync(join(bin, name), 0o755)
    }
    const bash = await runCli(['completion', 'bash'])
    assert.equal(bash.code, 0, bash.stderr)
    bashScript = join(dir, 'meshport.bash')
    writeFileSync(bashScript, bash.stdout)
    const zsh = await runCli(['completion', 'zsh'])
    assert.equal(zsh.code, 0, zsh.stderr)
    zshScript = join(dir, '_meshport')
    writeFileSync(zshScript, zsh.stdout)
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'fish'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
  })

  // Calls the function `complete -p meshport` names, with COMP_* set as bash sets them (bash
  // splits COMP_WORDS at "=" too).
  function bashComplete(compWords: string[]): string[] {
    const line = compWords.join(' ').replace(/ = ?/g, (m) => m.trim())
    const script = `
      source ${JSON.stringify(bashScript)}
      fn=$(complete -p meshport | sed -E 's/.*-F ([^ ]+) .*/\\1/')
      COMP_WORDS=(${compWords.map((w) => JSON.stringify(w)).join(' ')})
      COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
      COMP_LINE=${JSON.stringify(line)}
      COMP_POINT=\${#COMP_LINE}
      "$fn" meshport "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "\${COMPREPLY[@]}"`
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter((l) => l !== '')
  }

  test('bash: the script registers for meshport and kubectl-meshport', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(bashScript)}; complete -p meshport kubectl-meshport`], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^complete -F \S+ meshport$/m)
    assert.match(r.stdout, /^complete -F \S+ kubectl-meshport$/m)
  })

  test('bash: commands, topics, flags and flag values', () => {
    assert.deepEqual(bashComplete(['meshport', '']), ['check', 'completion', 'diagnose', 'inject', 'uninject', 'viz'])
    assert.deepEqual(bashComplete(['meshport', 'diagnose', 'po']), ['pod', 'ports'])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'stat', '-o', '']), ['table', 'wide', 'json'])
    assert.ok(bashComplete(['meshport', 'inject', '--proxy-cpu']).includes('--proxy-cpu-request'))
  })

  test('bash: resource types for viz stat, edges, authz and diagnose', () => {
    assert.deepEqual(bashComplete(['meshport', 'viz', '']), ['authz', 'edges', 'stat'])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'stat', 'dep']), ['deploy', 'deployment', 'deployments'])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'edges', 'a']), [], 'edges takes no "all"')
    assert.deepEqual(bashComplete(['meshport', 'viz', 'edges', 'po', '']), [])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'authz', 'st']), ['sts', 'statefulset', 'statefulsets'])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'stat', '-n', 'emojivoto', 'st']), ['sts', 'statefulset', 'statefulsets'])
    assert.ok(bashComplete(['meshport', 'diagnose', 'ports', '']).includes('deploy'))
  })

  test('bash: check ids for --only and --skip, also after = and after a comma', () => {
    const ids = bashComplete(['meshport', 'check', '--only', 'linkerd-identity.'])
    assert.ok(ids.length > 2 && ids.every((id) => id.startsWith('linkerd-identity.')), ids.join(' '))
    const afterEquals = bashComplete(['meshport', 'check', '--skip', '=', 'kubernetes-ap'])
    assert.deepEqual(afterEquals, ['kubernetes-api', ...afterEquals.slice(1)])
    assert.ok(afterEquals.slice(1).every((id) => id.startsWith('kubernetes-api.')))
    assert.ok(bashComplete(['meshport', 'check', '--only', 'kubernetes-api,linkerd-ex']).includes('kubernetes-api,linkerd-existence'))
  })

  const tmux = findTool('tmux')
  test('bash: TAB in an interactive shell (tmux)', {skip: skipWithout('tmux', 'skipped the interactive TAB test')}, async () => {
    const socket = `meshport-completion-${process.pid}`
    const t = (...args: string[]) => spawnSync(tmux!, ['-L', socket, ...args], {encoding: 'utf8', env})
    t('new-session', '-d', '-x', '160', '-y', '20', `env PS1='$ ' PATH=${JSON.stringify(env.PATH)} bash --norc --noprofile`)
    try {
      t('send-keys', `source ${bashScript}`, 'Enter')
      t('send-keys', 'clear', 'Enter')
      t('send-keys', 'meshport diagnose proxy-m\tdep', '')
      let screen = ''
      for (let i = 0; i < 100 && !screen.includes('proxy-metrics dep'); i++) {
        await sleep(100)
        screen = t('capture-pane', '-p').stdout
      }
      assert.match(screen, /\$ meshport diagnose proxy-metrics dep/)
      t('send-keys', '\tl', '')
      for (let i = 0; i < 100 && !/deploy\S*l/.test(screen); i++) {
        await sleep(100)
        screen = t('capture-pane', '-p').stdout
      }
      // One TAB completes the common prefix "deploy" of deploy/deployment/deployments, no space.
      assert.match(screen, /\$ meshport diagnose proxy-metrics deployl$/m)
    } finally {
      t('kill-server')
    }
  })

  const zsh = findTool('zsh')
  test('zsh: the completion function offers the same candidates', {skip: skipWithout('zsh', 'skipped (the zsh script calls the same __complete as bash)')}, () => {
    // Replace compadd to print what would be offered, then call the function as completion would.
    const script = `
      autoload -U compinit && compinit -u
      source ${JSON.stringify(zshScript)}
      compadd() { while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done; [[ $1 == -- ]] && shift; print -l -- "$@"; }
      words=(meshport viz stat dep); CURRENT=4
      _meshport`
    const r = spawnSync(zsh!, ['-f', '-c', script], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), ['deploy', 'deployment', 'deployments'])
  })

  const kubectl = findTool('kubectl')
  test('kubectl meshport <TAB>: kubectl runs kubectl_complete-meshport', {skip: skipWithout('kubectl')}, () => {
    const r = spawnSync(kubectl!, ['__complete', 'meshport', 'check', '--only', 'linkerd-ver'], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    const lines = r.stdout.split('\n').filter((l) => l !== '')
    assert.equal(lines.at(-1), ':4')
    assert.ok(lines.includes('linkerd-version'), r.stdout)
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith('linkerd-version')), r.stdout)
  })
})
