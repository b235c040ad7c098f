// `npm run sim`: foreground process, kubeconfig written, `ready` on stdout, clean stop on signals.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, test} from 'node:test'

import {createKubeClient} from '../../src/kube/index.js'

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))

function start(args: string[]): {child: ReturnType<typeof spawn>; ready: Promise<void>; exit: Promise<number | null>; stderr: () => string} {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      if (out === 'ready\n') resolve()
    })
    void exit.then(() => reject(new Error(`exited before ready: ${err}`)))
  })
  return {child, exit, ready, stderr: () => err}
}

describe('npm run sim', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // The test's own timeout is the "stops promptly" bound: a hang fails it, a loaded machine does not.
    test(`serves until ${signal}, then exits 0`, {timeout: 60_000}, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'meshport-sim-cli-'))
      const kubeconfig = join(dir, 'kubeconfig')
      const sim = start(['--scenario', 'healthy', '--kubeconfig', kubeconfig])
      try {
        await sim.ready
        const kube = createKubeClient({context: undefined, kubeconfig, requestTimeoutMs: 5000})
        assert.ok((await kube.listNamespaces()).some((n) => n.metadata?.name === 'emojivoto'))
        sim.child.kill(signal)
        assert.equal(await sim.exit, 0)
        assert.match(sim.stderr(), /stopped/)
        assert.ok(existsSync(kubeconfig), 'a kubeconfig path given by the user stays')
      } finally {
        sim.child.kill('SIGKILL')
        rmSync(dir, {force: true, recursive: true})
      }
    })
  }

  test('a bad scenario is one line on stderr and exit 1', async () => {
    const sim = start(['--scenario', '/nonexistent/scenario.yaml'])
    await assert.rejects(sim.ready)
    assert.equal(await sim.exit, 1)
    assert.match(sim.stderr(), /^sim: cannot read scenario \/nonexistent\/scenario.yaml/)
  })
})
