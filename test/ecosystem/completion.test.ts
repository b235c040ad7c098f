// Shell completion through the real shells: bash's completion function as `complete -F` calls
// it, TAB pressed in an interactive bash inside tmux, zsh and fish where installed, and kubectl's
// plugin completion (`kubectl meshport <TAB>` runs kubectl_complete-meshport). Names from a
// cluster (namespaces, pods, `deploy/` names, contexts) against the simulated cluster, and
// nothing, quickly, from one that does not answer.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {binPath, runCli} from '../helpers/run-cli.js'
import {startSim, type Sim} from '../helpers/sim.js'
import {findTool, skipWithout} from '../helpers/tools.js'

const completeBin = fileURLToPath(new URL('../../bin/kubectl_complete-meshport.js', import.meta.url))

describe('shell completion', {timeout: 120_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshport-completion-'))
  const bin = join(dir, 'bin')
  const env = {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1'}
  let bashScript = ''
  let zshScript = ''
  let fishScript = ''

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
    const fish = await runCli(['completion', 'fish'])
    assert.equal(fish.code, 0, fish.stderr)
    fishScript = join(dir, 'meshport.fish')
    writeFileSync(fishScript, fish.stdout)
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'powershell'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
  })

  // Calls the function `complete -p meshport` names, with COMP_* set as bash sets them (bash
  // splits COMP_WORDS at "=" too).
  function bashCompletionScript(compWords: string[]): string {
    const line = compWords.join(' ').replace(/ = ?/g, (m) => m.trim())
    return `
      source ${JSON.stringify(bashScript)}
      fn=$(complete -p meshport | sed -E 's/.*-F ([^ ]+) .*/\\1/')
      COMP_WORDS=(${compWords.map((w) => JSON.stringify(w)).join(' ')})
      COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
      COMP_LINE=${JSON.stringify(line)}
      COMP_POINT=\${#COMP_LINE}
      "$fn" meshport "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "\${COMPREPLY[@]}"`
  }

  function bashComplete(compWords: string[]): string[] {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', bashCompletionScript(compWords)], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter((l) => l !== '')
  }

  /** bashComplete without blocking this process, which serves the simulated cluster. */
  async function bashCompleteAsync(compWords: string[], extraEnv: NodeJS.ProcessEnv): Promise<string[]> {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', bashCompletionScript(compWords)], {env: {...env, ...extraEnv}})
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 0)
    return stdout.split('\n').filter((l) => l !== '')
  }

  test('bash: the script registers for meshport and kubectl-meshport', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(bashScript)}; complete -p meshport kubectl-meshport`], {encoding: 'utf8', env})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^complete -F \S+ meshport$/m)
    assert.match(r.stdout, /^complete -F \S+ kubectl-meshport$/m)
  })

  test('bash: commands, topics, flags and flag values', () => {
    assert.deepEqual(bashComplete(['meshport', '']), ['check', 'completion', 'diagnose', 'inject', 'uninject', 'version', 'viz'])
    assert.deepEqual(bashComplete(['meshport', 'diagnose', 'po']), ['pod', 'ports'])
    assert.deepEqual(bashComplete(['meshport', 'viz', 'stat', '-o', '']), ['table', 'wide', 'json'])
    assert.ok(bashComplete(['meshport', 'inject', '--proxy-cpu']).includes('--proxy-cpu-request'))
  })

  test('bash: resource types for viz stat and diagnose', () => {
    assert.deepEqual(bashComplete(['meshport', 'viz', 'stat', 'dep']), ['deploy', 'deployment', 'deployments'])
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

  const fish = findTool('fish')
  test('fish: the completion function offers the same candidates, files where files go', {skip: skipWithout('fish', 'skipped (the fish script calls the same __complete as bash)')}, () => {
    const files = mkdtempSync(join(dir, 'files-'))
    writeFileSync(join(files, 'app.yaml'), '')
    const fishComplete = (line: string) => {
      const r = spawnSync(fish!, ['--no-config', '-c', `source ${JSON.stringify(fishScript)}; complete -C ${JSON.stringify(line)}`], {cwd: files, encoding: 'utf8', env})
      assert.equal(r.status, 0, r.stderr)
      return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0])
    }
    assert.deepEqual(fishComplete('meshport viz stat dep'), ['deploy', 'deployment', 'deployments'])
    assert.deepEqual(fishComplete('meshport diagnose po'), ['pod', 'ports'])
    assert.deepEqual(fishComplete('kubectl-meshport check -o j'), ['json', 'junit'])
    assert.deepEqual(fishComplete('meshport inject ap'), ['app.yaml'])
    assert.deepEqual(fishComplete('meshport viz stat -o '), ['json', 'table', 'wide'])
  })

  describe('names from the cluster', () => {
    let sim: Sim
    // The test machine may be loaded: lookups get --request-timeout's 10 s instead of the 2 s a TAB gets.
    const complete = async (words: string[], kubeconfig = sim.kubeconfigPath, timeout = ['--request-timeout', '10s']) => {
      const command = ['viz', 'diagnose'].includes(words[0] ?? '') ? 2 : 1
      const r = await runCli(['__complete', '--', ...words.slice(0, command), ...timeout, ...words.slice(command)], {env: {KUBECONFIG: kubeconfig}})
      assert.equal(r.code, 0, r.stderr)
      const lines = r.stdout.split('\n').filter((l) => l !== '')
      return lines.slice(0, -1)
    }
    before(async () => {
      sim = await startSim({scenario: 'healthy'})
    })
    after(async () => {
      await sim?.stop()
    })

    test('TYPE/ completes the names of that type, in -n or the context namespace', async () => {
      assert.deepEqual(await complete(['viz', 'stat', '-n', 'emojivoto', 'deploy/']), ['deploy/emoji', 'deploy/vote-bot', 'deploy/voting', 'deploy/web'])
      assert.deepEqual(await complete(['viz', 'stat', '--namespace=emojivoto', 'deploy/vo']), ['deploy/vote-bot', 'deploy/voting'])
      assert.deepEqual(await complete(['viz', 'stat', '-n', 'emojivoto', 'deploy', 'w']), ['web'])
      assert.deepEqual(await complete(['viz', 'stat', '-n', 'emojivoto', 'deploy/web', '--to', 'svc/']), ['svc/emoji', 'svc/voting', 'svc/web'])
      assert.deepEqual(await complete(['viz', 'stat', 'deploy/']), [], 'the default namespace has no deployments')
      // Through bash, as TAB does it.
      assert.deepEqual(await bashCompleteAsync(['meshport', 'viz', 'stat', '--request-timeout', '10s', '-n', 'emojivoto', 'deploy/e'], {KUBECONFIG: sim.kubeconfigPath}), ['deploy/emoji'])
    })

    test('namespaces after -n, pods after diagnose pod, contexts after --context', async () => {
      const namespaces = await complete(['viz', 'stat', '-n', ''])
      for (const ns of ['emojivoto', 'linkerd', 'booksapp', 'default']) assert.ok(namespaces.includes(ns), namespaces.join(' '))
      assert.deepEqual(await complete(['check', '--proxy', '-n', 'emoj']), ['emojivoto'])
      const pods = sim.cluster.podsOf('emojivoto', 'web').map((p) => p.name)
      assert.deepEqual(await complete(['diagnose', 'pod', '-n', 'emojivoto', 'web-']), pods.sort())
      assert.deepEqual(await complete(['diagnose', 'proxy-metrics', '-n', 'emojivoto', 'deploy/vot']), ['deploy/vote-bot', 'deploy/voting'])
      assert.deepEqual(await complete(['check', '--context', '']), ['meshport-sim', 'meshport-sim-cert'])
      assert.deepEqual(await complete(['check', '--kubeconfig', sim.kubeconfigPath, '--context', 'meshport-sim-c'], '/nonexistent'), ['meshport-sim-cert'])
    })

    test('a cluster that does not answer: no candidates, within the short lookup timeout, exit 0', async () => {
      const sockets = new Set<Socket>()
      const silent = createServer((socket) => sockets.add(socket))
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      const stalled = join(dir, 'stalled-kubeconfig')
      const port = (silent.address() as AddressInfo).port
      writeFileSync(stalled, readFileSync(sim.kubeconfigPath, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/g, `server: https://127.0.0.1:${port}`))
      try {
        const started = Date.now()
        // Without --request-timeout on the line: 2 s, then nothing.
        assert.deepEqual(await complete(['viz', 'stat', 'deploy/'], stalled, []), [])
        assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`)
        assert.deepEqual(await complete(['viz', 'stat', 'dep'], stalled, []), ['deploy', 'deployment', 'deployments'])
      } finally {
        silent.close()
        for (const socket of sockets) socket.destroy()
      }
    })
  })
})
