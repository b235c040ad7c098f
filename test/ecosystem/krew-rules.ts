// krew's rules for a plugin manifest, as kubernetes-sigs/krew applies them before a plugin enters
// its index (internal/index/validation and cmd/validate-krew-manifest): structure, a `v`-prefixed
// semantic version, platform selectors on os/arch only that each match a supported platform and
// never overlap, and an install of every platform: the archive's sha256, its file operations, an
// executable `bin` inside the install directory, and a licence file among what was installed.
// Returns the problems found, empty when krew would accept the manifest.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, extname, join, normalize, posix, relative} from 'node:path'

interface Selector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}
interface Platform {
  uri?: string
  sha256?: string
  selector?: Selector | null
  files?: Array<{from?: string; to?: string}> | null
  bin?: string
}
export interface KrewPlugin {
  apiVersion?: string
  kind?: string
  metadata?: {name?: string}
  spec?: {version?: string; shortDescription?: string; description?: string; homepage?: string; caveats?: string; platforms?: Platform[]}
}

/** The <os, arch> pairs krew is released for (cmd/validate-krew-manifest). */
export const KREW_PLATFORMS = [
  ['windows', '386'], ['windows', 'amd64'], ['windows', 'arm64'],
  ['linux', '386'], ['linux', 'amd64'], ['linux', 'arm'], ['linux', 'arm64'], ['linux', 'ppc64le'],
  ['darwin', '386'], ['darwin', 'amd64'], ['darwin', 'arm64'],
] as const

const WINDOWS_RESERVED = new Set(['CON', 'PRN', 'AUX', 'NUL', ...Array.from({length: 9}, (_, i) => `COM${i + 1}`), ...Array.from({length: 9}, (_, i) => `LPT${i + 1}`)])
const LICENSE_FILES = new Set(['license', 'license.txt', 'license.md', 'licenses', 'licenses.txt', 'licenses.md', 'copying', 'copying.txt'])
// k8s.io/apimachinery's ParseSemantic, after krew's own check for the leading `v`.
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/

function matches(selector: Selector, os: string, arch: string): boolean {
  const labels: Record<string, string> = {os, arch}
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels
    const within = has && (e.values ?? []).includes(labels[e.key]!)
    if (e.operator === 'In' && !within) return false
    if (e.operator === 'NotIn' && within) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

function selectorProblems(selector: Selector | null | undefined): string[] {
  if (selector === undefined || selector === null) return ['nil selector is not supported']
  if (selector.matchLabels === undefined && (selector.matchExpressions ?? []).length === 0) return ['empty selector is not supported']
  const problems: string[] = []
  const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)]
  for (const key of keys) if (key !== 'os' && key !== 'arch') problems.push(`selector key "${key}" not supported`)
  if (selector.matchLabels !== undefined && Object.keys(selector.matchLabels).length === 0) problems.push('`matchLabels` specified but empty')
  if (selector.matchExpressions !== undefined && selector.matchExpressions.length === 0) problems.push('`matchExpressions` specified but empty')
  for (const e of selector.matchExpressions ?? []) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) problems.push(`operator "${e.operator}" is not a label selector operator`)
  }
  return problems
}

/** internal/index/validation.ValidatePlugin: the manifest's own structure. */
export function structuralProblems(name: string, plugin: KrewPlugin): string[] {
  const problems: string[] = []
  if (plugin.apiVersion !== 'krew.googlecontainertools.github.com/v1alpha2') problems.push(`apiVersion=${JSON.stringify(plugin.apiVersion)} is not supported`)
  if (plugin.kind !== 'Plugin') problems.push(`kind=${JSON.stringify(plugin.kind)}, only "Plugin" is supported`)
  if (!/^[\w-]+$/.test(name) || WINDOWS_RESERVED.has(name.toUpperCase())) problems.push(`the plugin name "${name}" is not allowed`)
  if (plugin.metadata?.name !== name) problems.push(`plugin should be named "${name}", not "${plugin.metadata?.name}"`)
  const spec = plugin.spec ?? {}
  if (!spec.shortDescription) problems.push('should have a short description')
  else if (/[\r\n]/.test(spec.shortDescription)) problems.push('should not have line breaks in short description')
  if (!spec.platforms || spec.platforms.length === 0) problems.push('should have a platform specified')
  if (!spec.version) problems.push('should have a version specified')
  else if (!SEMVER.test(spec.version)) problems.push(`version "${spec.version}" is not a semantic version with a leading v`)
  for (const [i, p] of (spec.platforms ?? []).entries()) {
    const at = `platforms[${i}]`
    if (!p.uri) problems.push(`${at}: \`uri\` has to be set`)
    if (!p.sha256) problems.push(`${at}: \`sha256\` sum has to be set`)
    else if (!/^[a-f0-9]{64}$/.test(p.sha256)) problems.push(`${at}: \`sha256\` value ${p.sha256} is not valid`)
    if (!p.bin) problems.push(`${at}: \`bin\` has to be set`)
    if (p.files !== undefined && p.files !== null) {
      if (p.files.length === 0) problems.push(`${at}: \`files\` has to be unspecified or non-empty`)
      for (const f of p.files) if (!f.from || !f.to) problems.push(`${at}: \`files\` entries need \`from\` and \`to\``)
    }
    for (const problem of selectorProblems(p.selector)) problems.push(`${at}: ${problem}`)
  }
  return problems
}

/** cmd/validate-krew-manifest: every platform matches a supported one, and no two overlap. */
export function platformProblems(plugin: KrewPlugin): string[] {
  const platforms = plugin.spec?.platforms ?? []
  const problems: string[] = []
  for (const [i, p] of platforms.entries()) {
    if (p.selector && !KREW_PLATFORMS.some(([os, arch]) => matches(p.selector!, os, arch))) problems.push(`platforms[${i}]'s selector matches no supported platform`)
  }
  for (const [os, arch] of KREW_PLATFORMS) {
    const hits = platforms.flatMap((p, i) => (p.selector && matches(p.selector, os, arch) ? [i] : []))
    if (hits.length > 1) problems.push(`platforms at indexes ${hits.join(', ')} overlap on ${os}/${arch}`)
  }
  return problems
}

/** krew's FileOperation moves: a file by name, else a glob; targets stay inside both directories. */
function moveFiles(from: string, to: string, op: {from: string; to: string}): void {
  // Go's filepath.Clean: `./x` and `x/` are not clean, `x` and `.` are.
  const clean = posix.normalize(op.to).replace(/(.)\/$/, '$1')
  if (op.to !== clean) throw new Error(`the provided path is not clean, "${op.to}" should be "${clean}"`)
  const direct = join(from, op.from)
  const inside = (base: string, path: string) => !relative(base, path).startsWith('..')
  if (existsSync(direct)) {
    const target = join(to, op.to === '.' ? basename(direct) : op.to)
    if (!inside(from, direct) || !inside(to, target)) throw new Error(`move ${op.from} -> ${op.to} leaves the directory`)
    mkdirSync(dirname(target), {recursive: true})
    cpSync(direct, target, {recursive: true})
    return
  }
  const pattern = new RegExp(`^${op.from.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`)
  const hits = readdirSync(from, {recursive: true, encoding: 'utf8'}).filter((p) => pattern.test(p.split('\\').join('/')))
  if (hits.length === 0) throw new Error(`no files in the plugin archive matched the glob pattern=${op.from}`)
  for (const hit of hits) {
    const target = join(to, op.to, basename(hit))
    mkdirSync(dirname(target), {recursive: true})
    cpSync(join(from, hit), target, {recursive: true})
  }
}

/**
 * `kubectl krew install --manifest --archive` for one platform, without kubectl: the archive must
 * have the manifest's sha256, unpack, yield `bin` as an executable inside the install directory,
 * and leave a licence file. `archiveFor` maps the platform's uri to a local file.
 */
export function installProblems(plugin: KrewPlugin, archiveFor: (uri: string) => string): string[] {
  const problems: string[] = []
  for (const [i, p] of (plugin.spec?.platforms ?? []).entries()) {
    const at = `platforms[${i}]`
    const work = mkdtempSync(join(tmpdir(), 'krew-install-'))
    try {
      const archive = archiveFor(p.uri ?? '')
      const sha = createHash('sha256').update(readFileSync(archive)).digest('hex')
      if (sha !== p.sha256) {
        problems.push(`${at}: the archive's sha256 is ${sha}, the manifest says ${p.sha256}`)
        continue
      }
      const staging = join(work, 'staging')
      const install = join(work, 'install')
      mkdirSync(staging)
      mkdirSync(install)
      if (!/\.(tar\.gz|tgz|zip)$/.test(archive)) throw new Error(`${basename(archive)}: krew unpacks .tar.gz and .zip only, not ${extname(archive)}`)
      if (archive.endsWith('.zip')) execFileSync('unzip', ['-q', archive, '-d', staging])
      else execFileSync('tar', ['-xzf', archive, '-C', staging])
      for (const op of p.files ?? [{from: '*', to: '.'}]) moveFiles(staging, install, {from: op.from ?? '', to: op.to ?? ''})
      const bin = join(install, normalize(p.bin ?? ''))
      if (relative(install, bin).startsWith('..')) problems.push(`${at}: bin ${p.bin} is outside the install directory`)
      else if (!existsSync(bin) || !statSync(bin).isFile()) problems.push(`${at}: bin ${p.bin} is not among the installed files`)
      else {
        try {
          accessSync(bin, constants.X_OK)
        } catch {
          problems.push(`${at}: bin ${p.bin} is not executable`)
        }
      }
      const installed = readdirSync(install, {recursive: true, encoding: 'utf8'}).map((f) => basename(f).toLowerCase())
      if (!installed.some((f) => LICENSE_FILES.has(f))) problems.push(`${at}: no LICENSE (or alike) file among the installed files [${installed.join(', ')}]`)
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`)
    } finally {
      rmSync(work, {force: true, recursive: true})
    }
  }
  return problems
}
