// Writes the krew plugin manifest (krew's `Plugin` kind, the file that goes to
// kubernetes-sigs/krew-index as plugins/meshport.yaml) from a directory of release archives:
//
//   node scripts/krew-manifest.mjs DIR [--version 0.2.0] [--repository https://github.com/o/r] [--out plugins/meshport.yaml]
//
// DIR holds the archives scripts/release-archive.mjs made, meshport-<os>-<arch>.tar.gz with Node's
// os and arch names; each becomes one platform, its sha256 computed from the file (and checked
// against DIR/SHA256SUMS when there is one), its uri the GitHub release download of that version.
// The version and repository default to package.json's.
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** Node's names (the archives') to Go's (krew's selectors). */
const OS = {darwin: 'darwin', linux: 'linux', win32: 'windows'}
const ARCH = {arm64: 'arm64', x64: 'amd64'}
const ARCHIVE = /^meshport-([a-z0-9]+)-([a-z0-9]+)\.(tar\.gz|zip)$/

function fail(message) {
  process.stderr.write(`krew-manifest: ${message}\n`)
  process.exit(1)
}

/** `https://github.com/o/r` from package.json's repository (`git+https://github.com/o/r.git`). */
export function repositoryUrl(repository) {
  const url = typeof repository === 'string' ? repository : repository?.url
  return url?.replace(/^git\+/, '').replace(/\.git$/, '')
}

function checksums(dir) {
  const file = join(dir, 'SHA256SUMS')
  if (!existsSync(file)) return undefined
  // sha256sum's format: the hash, a space, a space or `*` (binary mode), the name.
  return new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line)
        if (!m) fail(`${file}: not a sha256sum line: ${line}`)
        return [m[2], m[1].toLowerCase()]
      }),
  )
}

export function krewManifest({archives, version, repository}) {
  const tag = `v${version.replace(/^v/, '')}`
  const platforms = archives.map(({name, sha256}) => {
    const [, os, arch] = ARCHIVE.exec(name)
    const exe = os === 'win32' ? 'meshport.exe' : 'meshport'
    return {
      selector: {matchLabels: {os: OS[os], arch: ARCH[arch]}},
      uri: `${repository}/releases/download/${tag}/${name}`,
      sha256,
      files: [
        {from: exe, to: '.'},
        {from: 'LICENSE', to: '.'},
      ],
      bin: exe,
    }
  })
  return {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: {name: 'meshport'},
    spec: {
      version: tag,
      homepage: repository,
      shortDescription: 'Check, inject and stat a Linkerd service mesh',
      description: [
        'meshport is a command-line tool for operators of the Linkerd service mesh.',
        'It injects and uninjects manifests offline, keeping every byte it has no reason to',
        "touch; checks the cluster, the control plane and every proxy, with CI's formats",
        '(JSON, JUnit) and exit codes; computes golden signals per workload from the proxies',
        'themselves, without Prometheus; and diagnoses pods, workloads and manifests.',
        '',
      ].join('\n'),
      caveats: [
        'meshport talks to the cluster of your current kubeconfig context, as kubectl does.',
        'Start with:',
        '  kubectl meshport check --proxy',
        '',
      ].join('\n'),
      platforms,
    },
  }
}

function main() {
  const {values, positionals} = parseArgs({
    allowPositionals: true,
    options: {out: {type: 'string', default: 'plugins/meshport.yaml'}, repository: {type: 'string'}, version: {type: 'string'}},
  })
  if (positionals.length !== 1) fail('usage: node scripts/krew-manifest.mjs DIR [--version X] [--repository URL] [--out FILE]')
  const dir = resolve(positionals[0])
  if (!existsSync(dir)) fail(`${dir}: no such directory`)
  const version = values.version ?? pkg.version
  if (!/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) fail(`version "${version}" is not a semantic version`)
  const repository = values.repository ?? repositoryUrl(pkg.repository)
  if (!repository) fail('no --repository and none in package.json')
  if (basename(values.out) !== 'meshport.yaml') fail(`--out must be named meshport.yaml (krew reads the plugin name from the file name), not ${basename(values.out)}`)

  const sums = checksums(dir)
  const archives = readdirSync(dir)
    .filter((name) => name.startsWith('meshport-') && (name.endsWith('.tar.gz') || name.endsWith('.zip')))
    .sort()
    .map((name) => {
      const m = ARCHIVE.exec(name)
      if (!m || !(m[1] in OS) || !(m[2] in ARCH)) fail(`${name}: not meshport-<os>-<arch> with os ${Object.keys(OS).join('|')} and arch ${Object.keys(ARCH).join('|')}`)
      const sha256 = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')
      if (sums && sums.get(name) !== sha256) fail(`${name}: sha256 ${sha256}, but SHA256SUMS says ${sums.get(name) ?? 'nothing'}`)
      return {name, sha256}
    })
  if (archives.length === 0) fail(`${dir} holds no meshport-<os>-<arch>.tar.gz archive`)

  const text = `# Generated by scripts/krew-manifest.mjs from the ${archives.length} archives of meshport v${version.replace(/^v/, '')}.\n${stringify(krewManifest({archives, version, repository}), {lineWidth: 0})}`
  const out = resolve(values.out)
  mkdirSync(dirname(out), {recursive: true})
  writeFileSync(`${out}.${process.pid}`, text)
  renameSync(`${out}.${process.pid}`, out)
  process.stderr.write(`krew-manifest: wrote ${out} (${archives.map((a) => a.name).join(', ')})\n`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
