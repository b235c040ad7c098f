// Which kubeconfig files are read and how they merge, as kubectl does: --kubeconfig alone (it must
// exist); else every file listed in $KUBECONFIG that exists (an empty file is an empty config);
// else ~/.kube/config. Per name, the first file that defines a cluster, user or context wins, and
// the first non-empty current-context wins. Entries stay raw here: only the ones the chosen
// context uses are checked (kubeconfig.ts), so a broken entry elsewhere breaks nothing.
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, dirname, join, resolve} from 'node:path'

import {parseDocument} from 'yaml'

import {ClusterError} from '../errors.js'
import {KubeErrorCode, type KubeOptions} from './types.js'

/** One named cluster, user or context: its body (`cluster:`, `user:` or `context:`) and origin. */
export interface RawEntry {
  body: Record<string, unknown> | undefined
  /** The file's directory: relative paths in the entry are resolved against it. */
  dir: string
  file: string
}

export interface MergedKubeConfig {
  clusters: Map<string, RawEntry>
  contexts: Map<string, RawEntry>
  users: Map<string, RawEntry>
  currentContext: string | undefined
  /** Where the config came from, for messages. */
  source: string
}

const SECTIONS = [
  ['clusters', 'cluster'],
  ['users', 'user'],
  ['contexts', 'context'],
] as const

function badFile(file: string, why: string): ClusterError {
  return new ClusterError(`cannot read kubeconfig ${file}: ${why}`, {code: KubeErrorCode.badKubeconfig, hint: 'check that the file is a valid kubeconfig (kubectl config view)'})
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Parses one file. YAML errors name the line and column, never the text: it may hold a token. */
function readFile(file: string): Omit<MergedKubeConfig, 'source'> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw badFile(file, (err as NodeJS.ErrnoException).code ?? 'unreadable')
  }
  return parseKubeconfig(text, file, dirname(resolve(file)))
}

/**
 * A kubeconfig held as text (a multicluster Link's Secret), named `source` in messages; relative
 * paths in it resolve against the working directory.
 */
export function kubeconfigFromText(text: string, source: string): MergedKubeConfig {
  return {...parseKubeconfig(text, source, process.cwd()), source}
}

function parseKubeconfig(text: string, file: string, dir: string): Omit<MergedKubeConfig, 'source'> {
  const doc = parseDocument(text, {uniqueKeys: true})
  const [error] = doc.errors
  if (error) {
    const where = error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : ''
    throw badFile(file, `invalid YAML${where} (${error.code})`)
  }
  let value: unknown
  try {
    value = doc.toJS()
  } catch {
    throw badFile(file, 'invalid YAML (an alias or tag that cannot be resolved)')
  }
  const merged: Omit<MergedKubeConfig, 'source'> = {clusters: new Map(), contexts: new Map(), currentContext: undefined, users: new Map()}
  if (value === null || value === undefined) return merged
  if (!isMapping(value)) throw badFile(file, 'not a kubeconfig (expected a mapping with clusters, users and contexts)')
  for (const [list, key] of SECTIONS) {
    const items = value[list]
    if (items === undefined || items === null) continue
    if (!Array.isArray(items)) throw badFile(file, `"${list}" is not a list`)
    for (const item of items) {
      // Entries without a usable name cannot be chosen; kubectl's own writer never makes them.
      if (!isMapping(item) || typeof item.name !== 'string' || item.name === '') continue
      const body = item[key]
      if (!merged[list].has(item.name)) merged[list].set(item.name, {body: isMapping(body) ? body : undefined, dir, file})
    }
  }
  if (typeof value['current-context'] === 'string' && value['current-context'] !== '') merged.currentContext = value['current-context']
  return merged
}

function mergeFiles(files: readonly string[], source: string): MergedKubeConfig {
  const merged: MergedKubeConfig = {clusters: new Map(), contexts: new Map(), currentContext: undefined, source, users: new Map()}
  for (const file of files) {
    const one = readFile(file)
    merged.currentContext ??= one.currentContext
    for (const [list] of SECTIONS) for (const [name, entry] of one[list]) if (!merged[list].has(name)) merged[list].set(name, entry)
  }
  return merged
}

/** The merged kubeconfig files, or undefined when there are none (the caller may go in-cluster). */
export function readKubeConfigFiles(options: Pick<KubeOptions, 'kubeconfig'>, env: NodeJS.ProcessEnv): MergedKubeConfig | undefined {
  if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig)) {
      throw new ClusterError(`kubeconfig file ${options.kubeconfig} not found`, {code: KubeErrorCode.noKubeconfig, hint: 'pass the path of an existing kubeconfig with --kubeconfig'})
    }
    return mergeFiles([options.kubeconfig], options.kubeconfig)
  }
  if (env.KUBECONFIG) {
    const listed = [...new Set(env.KUBECONFIG.split(delimiter).filter((f) => f !== ''))]
    const present = listed.filter((f) => existsSync(f))
    if (present.length === 0) return undefined
    return mergeFiles(present, `$KUBECONFIG (${listed.join(delimiter)})`)
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config')
  return existsSync(home) ? mergeFiles([home], home) : undefined
}
