// Compiles src/ to dist/ and writes oclif.manifest.json, so that oclif loads only the command it
// runs instead of importing every command file to discover flags.
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
rmSync(new URL('../oclif.manifest.json', import.meta.url), {force: true})
rmSync(new URL('../dist', import.meta.url), {force: true, recursive: true})
// tsc still emits when it reports type errors; write the manifest anyway and fail at the end, so one
// broken file does not leave the CLI unrunnable while it is being fixed.
let typeErrors = false
try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {cwd: root, stdio: 'inherit'})
} catch {
  typeErrors = true
}

const {Plugin} = await import('@oclif/core')
const plugin = new Plugin({ignoreManifest: true, isRoot: true, root, type: 'core'})
await plugin.load()
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
if (typeErrors) process.exit(1)
