// Compiles src/ to dist/ and writes oclif.manifest.json, so that oclif loads only the command it
// runs instead of importing every command file to discover flags.
// Both are built beside their targets and renamed into place, so a CLI run that overlaps a build
// (a second terminal, a parallel test run) never sees a half-written dist/.
import {execFileSync} from 'node:child_process'
import {existsSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const at = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const next = `dist.next-${process.pid}`
const old = `dist.old-${process.pid}`

// tsc still emits when it reports type errors; install the output anyway and fail at the end, so
// one broken file does not leave the CLI unrunnable while it is being fixed.
let typeErrors = false
try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--outDir', next], {cwd: root, stdio: 'inherit'})
} catch {
  typeErrors = true
}
if (!existsSync(at(next))) process.exit(1)
if (existsSync(at('dist'))) renameSync(at('dist'), at(old))
renameSync(at(next), at('dist'))
rmSync(at(old), {force: true, recursive: true})

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({ignoreManifest: true, isRoot: true, root, type: 'core'})
await plugin.load()
writeFileSync(at(`oclif.manifest.json.${process.pid}`), JSON.stringify(plugin.manifest, null, 2) + '\n')
renameSync(at(`oclif.manifest.json.${process.pid}`), at('oclif.manifest.json'))
if (typeErrors) process.exit(1)
