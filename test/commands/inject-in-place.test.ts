// End to end: `inject --in-place` / `uninject --in-place` through bin/run.js. Symbolic links are
// written through (the link stays), mode and owner are kept, dangling links are errors before any
// write, every rewritten file is named on stderr, and a run killed mid-way leaves each file
// either as it was or fully rewritten.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, watch, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {binPath, runCli} from '../helpers/run-cli.js'

const DEPLOY = (name: string): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n      - name: ${name}\n        image: ${name}:1\n`
const INJECTED = (name: string): string => DEPLOY(name).replace(`        app: ${name}\n`, `        app: ${name}\n      annotations:\n        linkerd.io/inject: enabled\n`)
const isRoot = process.getuid?.() === 0

describe('meshport inject --in-place (end to end)', () => {
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-in-place-'))
  })

  after(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  test('writes through a symbolic link: the link stays, the target gets the bytes, mode and owner kept', async () => {
    const work = join(dir, 'link')
    mkdirSync(join(work, 'real'), {recursive: true})
    mkdirSync(join(work, 'links'))
    const target = join(work, 'real/app.yml')
    writeFileSync(target, DEPLOY('web'))
    chmodSync(target, 0o640)
    if (isRoot) chownSync(target, 1234, 4321)
    symlinkSync('../real/app.yml', join(work, 'links/app.yml'))
    const result = await runCli(['inject', '--in-place', 'links/app.yml'], {cwd: work})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, '\ndeployment "web" injected\nfile "links/app.yml" rewritten\n\n')
    assert.ok(lstatSync(join(work, 'links/app.yml')).isSymbolicLink(), 'the link is still a link')
    assert.equal(readlinkSync(join(work, 'links/app.yml')), '../real/app.yml')
    assert.equal(readFileSync(target, 'utf8'), INJECTED('web'))
    const info = statSync(target)
    assert.equal(info.mode & 0o7777, 0o640)
    if (isRoot) assert.deepEqual([info.uid, info.gid], [1234, 4321])
    assert.deepEqual(readdirSync(join(work, 'real')), ['app.yml'], 'no temporary file left beside the target')
    assert.deepEqual(readdirSync(join(work, 'links')), ['app.yml'])

    // A second run changes nothing and says so.
    const again = await runCli(['inject', '--in-place', 'links/app.yml'], {cwd: work})
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stderr, '\ndeployment "web" already injected\nfile "links/app.yml" unchanged\n\n')
    assert.equal(statSync(target).mtimeMs, info.mtimeMs)

    const back = await runCli(['uninject', '--in-place', 'links/app.yml'], {cwd: work})
    assert.equal(back.code, 0, back.stderr)
    assert.equal(back.stderr, '\ndeployment "web" uninjected\nfile "links/app.yml" rewritten\n\n')
    assert.equal(readFileSync(target, 'utf8'), DEPLOY('web'))
    assert.ok(lstatSync(join(work, 'links/app.yml')).isSymbolicLink())
  })

  test('a link and its target in one run are written once; links in directories are followed', async () => {
    const work = join(dir, 'twice')
    mkdirSync(work)
    writeFileSync(join(work, 'a.yml'), DEPLOY('a'))
    symlinkSync('a.yml', join(work, 'b.yml'))
    const result = await runCli(['inject', '--in-place', work])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, `\ndeployment "a" injected\nfile "${join(work, 'a.yml')}" rewritten\n\n\ndeployment "a" injected\nfile "${join(work, 'b.yml')}" rewritten\n\n`)
    assert.equal(readFileSync(join(work, 'a.yml'), 'utf8'), INJECTED('a'))
    assert.ok(lstatSync(join(work, 'b.yml')).isSymbolicLink())
  })

  test('a dangling link is a clear error and nothing is written', async () => {
    const work = join(dir, 'dangling')
    mkdirSync(work)
    writeFileSync(join(work, 'ok.yml'), DEPLOY('ok'))
    symlinkSync('gone.yml', join(work, 'broken.yml'))
    for (const args of [['ok.yml', 'broken.yml'], ['.']]) {
      const result = await runCli(['inject', '--in-place', ...args], {cwd: work})
      assert.equal(result.code, 1)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^Error: (\.\/)?broken\.yml: a dangling symbolic link \(to gone\.yml, which does not exist\)\nHint: fix or remove the link\n$/)
      assert.equal(readFileSync(join(work, 'ok.yml'), 'utf8'), DEPLOY('ok'))
    }
  })

  test('uninject --in-place names unchanged files too', async () => {
    const work = join(dir, 'uninject')
    mkdirSync(work)
    writeFileSync(join(work, 'plain.yml'), DEPLOY('p'))
    const result = await runCli(['uninject', '--in-place', 'plain.yml'], {cwd: work})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '\ndeployment "p" skipped\nfile "plain.yml" unchanged\n\n')
  })

  /** Runs inject --in-place on 150 files of 300 Deployments, sending `signal` on the first event `when` accepts. */
  async function interrupted(name: string, signal: NodeJS.Signals, when: (file: string, files: string[]) => boolean) {
    const work = join(dir, name)
    mkdirSync(work)
    const docs = Array.from({length: 300}, (_, i) => DEPLOY(`w${i}`)).join('---\n')
    const files = Array.from({length: 150}, (_, i) => `f${String(i).padStart(3, '0')}.yml`)
    for (const f of files) writeFileSync(join(work, f), docs)
    const injected = Array.from({length: 300}, (_, i) => INJECTED(`w${i}`)).join('---\n')
    const child = spawn(process.execPath, [binPath, 'inject', '--in-place', work], {stdio: 'ignore'})
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    const watcher = watch(work, (_event, file) => {
      if (file !== null && when(file, files)) child.kill(signal)
    })
    const ended = await exited
    watcher.close()
    assert.equal(ended, signal, 'the run was interrupted before it finished')
    let rewritten = 0
    for (const f of files) {
      const text = readFileSync(join(work, f), 'utf8')
      assert.ok(text === docs || text === injected, `${f} is half-written (${text.length} bytes)`)
      if (text === injected) rewritten++
    }
    const others = readdirSync(work).filter((n) => !files.includes(n))
    return {work, files, injected, rewritten, others}
  }

  test('killed mid-run (SIGKILL), every file is either as it was or fully rewritten', async () => {
    // Killed on the first rename: the other files are still old.
    const {work, files, injected, rewritten, others} = await interrupted('killed', 'SIGKILL', (f, all) => all.includes(f))
    assert.ok(rewritten >= 1 && rewritten < files.length, `${rewritten} of ${files.length} rewritten`)
    // A leftover temporary file is hidden and not a manifest: the next run neither reads nor trips on it.
    for (const name of others) assert.match(name, /^\.f\d{3}\.yml\.meshport-\d+-\d+\.tmp$/)
    const rerun = await runCli(['inject', '--in-place', work])
    assert.equal(rerun.code, 0, rerun.stderr)
    for (const f of files) assert.equal(readFileSync(join(work, f), 'utf8'), injected, f)
    assert.equal((rerun.stderr.match(/ rewritten\n/g) ?? []).length, files.length - rewritten)
  })

  test('interrupted (SIGTERM) while a file is being written: its temporary file is removed', async () => {
    const {others} = await interrupted('terminated', 'SIGTERM', (f) => f.endsWith('.tmp'))
    assert.deepEqual(others, [])
  })
})
