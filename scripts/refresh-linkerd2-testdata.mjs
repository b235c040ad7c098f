// Refreshes test/testdata/linkerd2/ from a linkerd/linkerd2 git checkout at a given commit, or
// (with --verify) checks that every vendored file is still byte-identical to that commit.
//   node scripts/refresh-linkerd2-testdata.mjs /path/to/linkerd2 <commit> [--verify]
// cases.json and the README files are meshport's own and are never overwritten.
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../test/testdata/linkerd2/', import.meta.url))
const [checkout, commit, ...rest] = process.argv.slice(2)
if (!checkout || !commit) {
  console.error('usage: node scripts/refresh-linkerd2-testdata.mjs LINKERD2_CHECKOUT COMMIT [--verify]')
  process.exit(2)
}
const verify = rest.includes('--verify')

// Vendored file (relative to test/testdata/linkerd2/) -> path in linkerd/linkerd2.
const upstream = new Map([
  ['LICENSE', 'LICENSE'],
  ['output/check_output.golden', 'cli/cmd/testdata/check_output.golden'],
  ['output/check_output_json.golden', 'cli/cmd/testdata/check_output_json.golden'],
  ['output/check_proxy_integration.golden', 'test/integration/install/testdata/check.proxy.golden'],
  ['proxy-metrics/sampleMetrics.txt', 'testutil/prommatch/testdata/sampleMetrics.txt'],
  ['proxy-metrics/obfuscate-diagnostics-proxy-metrics.input', 'cli/cmd/testdata/obfuscate-diagnostics-proxy-metrics.input'],
  ['proxy-metrics/obfuscate-diagnostics-proxy-metrics.golden', 'cli/cmd/testdata/obfuscate-diagnostics-proxy-metrics.golden'],
])
for (const name of readdirSync(join(root, 'output'))) {
  if (name.startsWith('stat_') || name.startsWith('edges_')) upstream.set(`output/${name}`, `viz/cmd/testdata/${name}`)
}
const walk = (dir) => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
for (const file of walk(join(root, 'inject'))) {
  const rel = relative(join(root, 'inject'), file)
  if (rel !== 'README.md' && rel !== 'cases.json') upstream.set(`inject/${rel}`, `cli/cmd/testdata/${rel}`)
}

let changed = 0
for (const [local, path] of upstream) {
  const want = execFileSync('git', ['-C', checkout, 'show', `${commit}:${path}`], {maxBuffer: 64 << 20})
  const have = readFileSync(join(root, local))
  if (Buffer.compare(want, have) === 0) continue
  changed++
  if (verify) console.error(`differs from ${commit}:${path}: ${local}`)
  else writeFileSync(join(root, local), want)
}
console.error(`${upstream.size} files, ${changed} ${verify ? 'differ' : 'updated'}`)
process.exit(verify && changed > 0 ? 1 : 0)
