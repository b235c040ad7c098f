// End to end: spawns bin/run.js (rebuild with `node scripts/build.mjs` first) with files,
// directories, stdin and a local HTTP server, and checks stdout, stderr and exit codes.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/run-cli.js'

const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: web:1\n'
const CONFIG = '# untouched\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n'
const INJECTED = DEPLOY.replace('        app: web\n', '        app: web\n      annotations:\n        linkerd.io/inject: enabled\n')

describe('meshport inject / uninject (end to end)', () => {
  let dir: string
  let server: Server
  let base: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-inject-'))
    mkdirSync(join(dir, 'tree/sub'), {recursive: true})
    writeFileSync(join(dir, 'deploy.yml'), DEPLOY)
    writeFileSync(join(dir, 'config.yaml'), CONFIG)
    writeFileSync(join(dir, 'tree/b.yml'), DEPLOY.replace('name: web', 'name: b'))
    writeFileSync(join(dir, 'tree/sub/a.json'), JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'a'}, spec: {containers: []}}))
    writeFileSync(join(dir, 'tree/README.md'), '# not a manifest\n')
    server = createServer((req, res) => {
      if (req.url === '/deploy.yml') res.end(DEPLOY)
      else if (req.url === '/slow') setTimeout(() => res.end(DEPLOY), 200)
      else {
        res.statusCode = 404
        res.end('no')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(async () => {
    rmSync(dir, {recursive: true, force: true})
    await new Promise((resolve) => server.close(resolve))
  })

  test('README: injects the bundled example', async () => {
    const result = await runCli(['inject', 'examples/emojivoto.yml'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal((result.stdout.match(/linkerd\.io\/inject: enabled/g) ?? []).length, 5)
    assert.match(result.stdout, /# \{"\$imagepolicy": "flux-system:web"\}/)
    assert.match(result.stderr, /^\nnamespace "emojivoto" annotated\n/)
    assert.match(result.stderr, /cronjob "vote-bot" injected\n\n$/)
  })

  test('reads several inputs in order: files, stdin and URLs; report after the manifests', async () => {
    const result = await runCli(['inject', join(dir, 'config.yaml'), '-', `${base}/deploy.yml`], {stdin: DEPLOY.replace('name: web', 'name: from-stdin')})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${CONFIG}---\n${INJECTED.replace('name: web', 'name: from-stdin')}---\n${INJECTED}`)
    assert.equal(result.stderr, '\n‼ no supported objects found\n\nconfigmap "cfg" skipped\n\n\ndeployment "from-stdin" injected\n\n\ndeployment "web" injected\n\n')
  })

  test('walks directories recursively in lexical order, manifests only', async () => {
    const result = await runCli(['inject', join(dir, 'tree')])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '\ndeployment "b" injected\n\n\npod "a" injected\n\n')
    assert.match(result.stdout, /name: b[\s\S]*---\n\{"apiVersion":"v1","kind":"Pod","metadata":\{"name":"a","annotations":\{"linkerd.io\/inject":"enabled"\}\}/)
  })

  test('-o json writes one JSON document per line', async () => {
    const result = await runCli(['inject', '-o', 'json', join(dir, 'deploy.yml'), join(dir, 'config.yaml')])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.equal(lines.length, 2)
    assert.equal(lines[0].spec.template.metadata.annotations['linkerd.io/inject'], 'enabled')
    assert.equal(lines[1].kind, 'ConfigMap')
  })

  test('proxy flags become annotations; invalid values are usage errors (exit 2)', async () => {
    const ok = await runCli(['inject', '--proxy-cpu-request', '100m', '--skip-inbound-ports', '4000-5000', '--no-native-sidecar', '-'], {stdin: DEPLOY})
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /config.linkerd.io\/skip-inbound-ports: 4000-5000\n/)
    assert.match(ok.stdout, /config.linkerd.io\/proxy-cpu-request: 100m\n/)
    assert.match(ok.stdout, /config.linkerd.io\/proxy-enable-native-sidecar: "false"\n/)
    const bad = await runCli(['inject', '--admin-port', '99999', '-'], {stdin: DEPLOY})
    assert.equal(bad.code, 2)
    assert.equal(bad.stdout, '')
    assert.match(bad.stderr, /^Error: invalid --admin-port value "99999"/)
  })

  test('bad input: one line naming the file, nothing on stdout, exit 1', async () => {
    const missing = await runCli(['inject', join(dir, 'deploy.yml'), join(dir, 'nope.yml')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /^Error: .*nope\.yml: no such file or directory\n/)
    const invalid = await runCli(['inject', '-'], {stdin: `${DEPLOY}---\nkind: Pod\nmetadata:\n  name: [unclosed\n`})
    assert.equal(invalid.code, 1)
    assert.equal(invalid.stdout, '')
    assert.match(invalid.stderr, /^Error: - \(document 2\):\d+:\d+: /)
    const http = await runCli(['inject', `${base}/missing.yml`])
    assert.equal(http.code, 1)
    assert.match(http.stderr, /server reported 404/)
    const refused = await runCli(['inject', 'http://127.0.0.1:1/x.yml'])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^Error: http:\/\/127\.0\.0\.1:1\/x\.yml: unable to read URL/)
  })

  test('hard errors print Linkerd\'s block without a trailing newline, exit 1, no stdout', async () => {
    const result = await runCli(['inject', '-'], {stdin: DEPLOY.replace('    spec:\n', '    spec:\n      hostNetwork: true\n')})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, 'Error transforming resources:\nfailed to inject deployment/web: hostNetwork is enabled')
  })

  test('--diff prints a unified diff; exit 0 no change, 1 changes, 2 errors', async () => {
    const changed = await runCli(['inject', '--diff', join(dir, 'deploy.yml')])
    assert.equal(changed.code, 1)
    assert.equal(changed.stdout, `--- ${join(dir, 'deploy.yml')}\n+++ ${join(dir, 'deploy.yml')}\n@@ -7,6 +7,8 @@\n     metadata:\n       labels:\n         app: web\n+      annotations:\n+        linkerd.io/inject: enabled\n     spec:\n       containers:\n       - name: web\n`)
    const relative = await runCli(['inject', '--diff', 'deploy.yml'], {cwd: dir})
    assert.match(relative.stdout, /^--- a\/deploy.yml\n\+\+\+ b\/deploy.yml\n/)
    const same = await runCli(['inject', '--diff', join(dir, 'config.yaml')])
    assert.equal(same.code, 0)
    assert.equal(same.stdout, '')
    const error = await runCli(['inject', '--diff', join(dir, 'nope.yml')])
    assert.equal(error.code, 2)
  })

  test('--check lists the inputs inject would change (exit 1), or nothing (exit 0)', async () => {
    const result = await runCli(['inject', '--check', join(dir, 'deploy.yml'), join(dir, 'config.yaml')])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, `${join(dir, 'deploy.yml')}\n`)
    const clean = await runCli(['inject', '--check', join(dir, 'config.yaml')])
    assert.equal(clean.code, 0)
  })

  test('--in-place rewrites files atomically; uninject --in-place restores the bytes', async () => {
    const work = join(dir, 'inplace')
    mkdirSync(work)
    writeFileSync(join(work, 'a.yml'), DEPLOY)
    writeFileSync(join(work, 'b.yml'), CONFIG)
    const result = await runCli(['inject', '--in-place', work])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    assert.equal(readFileSync(join(work, 'a.yml'), 'utf8'), INJECTED)
    assert.equal(readFileSync(join(work, 'b.yml'), 'utf8'), CONFIG)
    assert.deepEqual(readdirSync(work).sort(), ['a.yml', 'b.yml'])
    const back = await runCli(['uninject', '--in-place', work])
    assert.equal(back.code, 0, back.stderr)
    assert.equal(readFileSync(join(work, 'a.yml'), 'utf8'), DEPLOY)
    const stdin = await runCli(['inject', '--in-place', '-'], {stdin: DEPLOY})
    assert.equal(stdin.code, 1)
  })

  test('uninject prints Linkerd\'s uninject report and round-trips inject output', async () => {
    const injected = await runCli(['inject', 'examples/emojivoto.yml'])
    const result = await runCli(['uninject', '-'], {stdin: injected.stdout})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, readFileSync('examples/emojivoto.yml', 'utf8'))
    assert.match(result.stderr, /^\nnamespace "emojivoto" uninjected\nserviceaccount "emoji" skipped\n/)
  })

  test('--help: a usage line without empty alternatives, every example with the $ prompt', async () => {
    for (const command of ['inject', 'uninject']) {
      const help = await runCli([command, '--help'])
      assert.equal(help.code, 0, help.stderr)
      const usage = help.stdout.slice(help.stdout.indexOf('USAGE\n'), help.stdout.indexOf('\n\n', help.stdout.indexOf('USAGE\n')))
      assert.doesNotMatch(usage, /\|\s*\||\[\s*\||\|\s*\]/, usage)
      assert.match(usage, /\[--diff \| --check \| --in-place\]/)
      const examples = help.stdout.slice(help.stdout.indexOf('EXAMPLES\n') + 'EXAMPLES\n'.length).split('\n').filter((l) => l.trim() !== '')
      assert.ok(examples.length >= 3, command)
      // A command too long for the line continues after ` \` (the help wraps at its width).
      examples.forEach((line, i) => {
        if (!examples[i - 1]?.endsWith(' \\')) assert.match(line, /^ {2}\$ /, `${command}: ${line}`)
      })
    }
    // --krm still refuses the other actions (a relationship now, not `exclusive`).
    const krm = await runCli(['inject', '--krm', '--diff'], {stdin: 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n'})
    assert.equal(krm.code, 2)
    assert.match(krm.stderr, /^Error: --diff and --krm cannot be used together$/m)
  })

  test('warns about an application port the proxy also listens on, as diagnose ports does; the output is unchanged', async () => {
    const port = DEPLOY.replace('        image: web:1\n', '        image: web:1\n        ports:\n        - containerPort: 4191\n          name: metrics\n')
    const result = await runCli(['inject', '-'], {stdin: port})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, port.replace('        app: web\n', '        app: web\n      annotations:\n        linkerd.io/inject: enabled\n'))
    assert.equal(
      result.stderr,
      "\n‼ deployment/web: port 4191 (metrics) of container web is also the proxy's admin port (Linkerd default); the proxy and the application cannot both listen on it\n    fix: move the application off 4191, or set config.linkerd.io/admin-port to a free port\n\ndeployment \"web\" injected\n\n",
    )
    // Moved out of the way by a flag: no warning. Moved onto the port by a flag: a warning.
    assert.equal((await runCli(['inject', '--admin-port', '9991', '-'], {stdin: port})).stderr, '\ndeployment "web" injected\n\n')
    // --manual: the proxy's own 4191 is no conflict, the application's is.
    const manual = await runCli(['inject', '--manual', '--values', 'test/fixtures/inject/values-inject-only.yaml', '-'], {stdin: port})
    assert.equal(manual.code, 0, manual.stderr)
    assert.equal((manual.stderr.match(/‼/g) ?? []).length, 1, manual.stderr)
    assert.match(manual.stderr, /‼ deployment\/web: port 4191 \(metrics\) of container web is also the proxy's admin port/)
    const moved = await runCli(['inject', '--inbound-port', '8080', '-'], {stdin: port.replace('4191', '8080')})
    assert.match(moved.stderr, /^\n‼ deployment\/web: port 8080 \(metrics\) of container web is also the proxy's inbound port \(set on the pod template\)/)
  })

  test('no input is a usage error', async () => {
    const result = await runCli(['inject'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /please specify a kubernetes resource file/)
  })
})
