// Packs a single executable (npm run build:binary) into the archive a release carries for one
// platform: meshport-<os>-<arch>.tar.gz, with Node's os and arch names, holding `meshport` and
// `LICENSE` at its root (krew installs both; the GitHub Action unpacks it).
//
//   node scripts/release-archive.mjs [--binary dist-bin/meshport] [--os linux] [--arch x64] [--out dist-release]
//
// os and arch default to this machine's: the release job runs it on each platform's runner.
import {execFileSync} from 'node:child_process'
import {accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const {values} = parseArgs({
  options: {
    arch: {type: 'string', default: process.arch},
    binary: {type: 'string', default: join(root, 'dist-bin', 'meshport')},
    os: {type: 'string', default: process.platform},
    out: {type: 'string', default: join(root, 'dist-release')},
  },
})

try {
  accessSync(values.binary, constants.X_OK)
} catch {
  process.stderr.write(`release-archive: ${values.binary} is not an executable (npm run build:binary makes it)\n`)
  process.exit(1)
}
const name = `meshport-${values.os}-${values.arch}.tar.gz`
const stage = mkdtempSync(join(tmpdir(), 'meshport-archive-'))
try {
  copyFileSync(values.binary, join(stage, 'meshport'))
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'))
  mkdirSync(resolve(values.out), {recursive: true})
  // copyFileSync keeps the mode bits, so the executable stays executable inside the archive.
  execFileSync('tar', ['-czf', join(resolve(values.out), name), '-C', stage, 'meshport', 'LICENSE'], {stdio: 'inherit'})
  process.stdout.write(`${join(resolve(values.out), name)}\n`)
} finally {
  rmSync(stage, {force: true, recursive: true})
}
