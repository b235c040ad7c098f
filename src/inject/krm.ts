// `meshport inject --krm`: inject as a KRM function (kustomize exec transformers, kpt fn eval).
// Reads a `config.kubernetes.io/v1` ResourceList, turns its functionConfig into inject's own
// command-line flags (so validation and defaults are the command's), runs the same engine on every
// item and writes a ResourceList back with `results`. Pure: text in, text out.
//
// Comments inside items survive: each item is handed to the engine as its own YAML document and
// the engine's edited text is parsed back into the list, so kpt/kustomize comment handling and
// their bookkeeping annotations (config.kubernetes.io/index, internal.config.kubernetes.io/path)
// come out as they went in.
import {Document, isSeq, parseDocument, type YAMLMap} from 'yaml'

import {InputError, UsageError} from '../errors.js'
import {transformInput, type Operation} from './engine.js'
import {transformErrors, type ResourceReport} from './report.js'
import {inputText, readInputs} from './source.js'
import type {InjectOptions} from './types.js'

export const KRM_API_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1'] as const

const SOURCE = 'ResourceList'

/** How the command declares a flag: enough to spell a functionConfig field as argv. */
export interface FlagShape {
  type: 'boolean' | 'option'
  allowNo?: boolean
  multiple?: boolean
}

/** Flags that make no sense inside a function (they choose what the command writes, and where). */
const NOT_IN_FUNCTION_CONFIG = new Set(['krm', 'diff', 'check', 'in-place', 'output', 'help', 'color', 'verbose'])

export interface ResourceList {
  doc: Document
  apiVersion: string
  functionConfig: Record<string, unknown> | undefined
}

type Obj = Record<string, unknown>

function asObj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined
}

/** Reads the ResourceList a KRM function runner writes to stdin. */
export async function readResourceList(stdin: NodeJS.ReadableStream = process.stdin): Promise<ResourceList> {
  const [input] = await readInputs(['-'], {stdin})
  return parseResourceList(input ? inputText(input) : '')
}

export function parseResourceList(text: string): ResourceList {
  const doc = parseDocument(text, {keepSourceTokens: false, prettyErrors: false, uniqueKeys: false})
  const error = doc.errors[0]
  if (error) {
    const pos = error.linePos?.[0]
    throw new InputError({source: SOURCE, ...(pos ? {line: pos.line, column: pos.col} : {})}, error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), {hint: '--krm reads one ResourceList (YAML or JSON) on stdin, as kustomize and kpt send it'})
  }
  const root = doc.toJS({maxAliasCount: -1}) as unknown
  const obj = asObj(root)
  const hint = 'inject --krm expects `apiVersion: config.kubernetes.io/v1`, `kind: ResourceList` and `items`; to inject plain manifests use `meshport inject -`'
  if (obj === undefined || obj.kind !== 'ResourceList') throw new InputError({source: SOURCE}, 'stdin is not a ResourceList', {hint})
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : ''
  if (!(KRM_API_VERSIONS as readonly string[]).includes(apiVersion)) throw new InputError({source: SOURCE}, `unsupported apiVersion "${apiVersion}"`, {hint})
  const items = (doc.contents as YAMLMap).get('items', true)
  if (items !== undefined && items !== null && !isSeq(items)) throw new InputError({source: SOURCE}, '`items` is not a list', {hint})
  const fc = obj.functionConfig
  if (fc !== undefined && fc !== null && asObj(fc) === undefined) throw new InputError({source: SOURCE}, '`functionConfig` is not an object', {hint})
  return {doc, apiVersion, functionConfig: asObj(fc)}
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * The settings a functionConfig carries: `data` of a ConfigMap (all strings, as kpt's
 * `-- key=value` writes them), otherwise `spec`, otherwise the top-level fields.
 */
export function functionConfigSettings(config: Obj | undefined): Obj {
  if (config === undefined) return {}
  if (config.kind === 'ConfigMap' && config.apiVersion === 'v1') return asObj(config.data) ?? {}
  const spec = asObj(config.spec)
  if (spec !== undefined) return spec
  const {apiVersion: _a, kind: _k, metadata: _m, ...rest} = config
  return rest
}

/**
 * Inject's command-line flags for a functionConfig: field names are the flag names in kebab-case
 * (`proxy-cpu-request`) or camelCase (`proxyCpuRequest`); booleans accept true/false (also as
 * strings), lists repeat the flag. Unknown fields are an error, never silently ignored.
 */
export function functionConfigArgs(config: Obj | undefined, flags: Readonly<Record<string, FlagShape>>): string[] {
  const argv: string[] = []
  for (const [field, value] of Object.entries(functionConfigSettings(config))) {
    const name = kebab(field)
    const shape = flags[name]
    const where = `functionConfig field "${field}"`
    if (shape === undefined || NOT_IN_FUNCTION_CONFIG.has(name)) {
      throw new UsageError(`${where} is not an inject setting`, {hint: 'use the long flag names of `meshport inject --help`, e.g. proxy-cpu-request: 100m or proxyCpuRequest: 100m'})
    }
    if (value === null || value === undefined) continue
    if (shape.type === 'boolean') {
      const on = value === true || value === 'true'
      if (!on && value !== false && value !== 'false') throw new UsageError(`${where} must be true or false, not ${JSON.stringify(value)}`)
      if (on) argv.push(`--${name}`)
      else if (shape.allowNo) argv.push(`--no-${name}`)
      continue
    }
    const values = Array.isArray(value) ? value : [value]
    if (values.length > 1 && !shape.multiple) throw new UsageError(`${where} takes one value, not a list`)
    for (const item of values) {
      if (item !== null && typeof item === 'object') throw new UsageError(`${where} must be a string or a number`)
      argv.push(`--${name}=${String(item)}`)
    }
  }
  return argv
}

/** The same shape as runManifests' outcome, so the command prints both the same way. */
export interface KrmOutcome {
  /** The ResourceList, with `results`. */
  stdout: string
  /** Linkerd's transform errors, when there are any. */
  stderr: string
  exitCode: number
}

interface ResourceRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

interface KrmResult {
  message: string
  severity: 'error' | 'warning' | 'info'
  resourceRef: ResourceRef
}

function resourceRef(item: Obj): ResourceRef {
  const meta = asObj(item.metadata) ?? {}
  const ns = typeof meta.namespace === 'string' ? meta.namespace : undefined
  return {
    apiVersion: typeof item.apiVersion === 'string' ? item.apiVersion : '',
    kind: typeof item.kind === 'string' ? item.kind : '',
    name: typeof meta.name === 'string' ? meta.name : '',
    ...(ns === undefined ? {} : {namespace: ns}),
  }
}

function warningsOf(r: ResourceReport): string[] {
  const out: string[] = []
  if (r.hostNetwork) out.push('"hostNetwork: true" detected')
  if (r.sidecar) out.push('known 3rd party sidecar detected')
  if (r.injectDisabled) out.push('"linkerd.io/inject: disabled" annotation set')
  if (r.udp) out.push('uses "protocol: UDP"')
  if (r.automount) out.push('automountServiceAccountToken set to "false"')
  return out
}

/** Runs inject (or uninject) on every item and renders the ResourceList that goes to stdout. */
export function transformResourceList(list: ResourceList, op: Operation, options: InjectOptions): KrmOutcome {
  const root = list.doc.contents as YAMLMap
  const items = root.get('items', true)
  const results: KrmResult[] = []
  const errors: string[] = []
  const replacements = new Map<number, ReturnType<typeof parseDocument>['contents']>()
  if (isSeq(items)) {
    items.items.forEach((node, i) => {
      const itemDoc = new Document()
      itemDoc.contents = node as typeof itemDoc.contents
      const item = asObj(itemDoc.toJS({maxAliasCount: -1})) ?? {}
      const outcome = transformInput(`items[${i}]`, itemDoc.toString({lineWidth: 0}), op, options)
      const ref = resourceRef(item)
      if (outcome.errors.length > 0) {
        errors.push(...outcome.errors)
        for (const message of outcome.errors) results.push({message, severity: 'error', resourceRef: ref})
        return
      }
      for (const report of outcome.reports) {
        for (const warning of warningsOf(report)) results.push({message: `${report.kind}/${report.name}: ${warning}`, severity: 'warning', resourceRef: ref})
        if (report.status === 'injected' || report.status === 'annotated' || report.status === 'uninjected') {
          results.push({message: `${report.kind} "${report.name}" ${report.status}`, severity: 'info', resourceRef: ref})
        }
      }
      const changed = outcome.documents.find((d) => d.isDoc && d.changed)
      if (changed !== undefined) replacements.set(i, parseDocument(changed.text).contents)
    })
    // On an error nothing is half-injected: every item goes back as it came, with the results.
    if (errors.length === 0) for (const [i, node] of replacements) items.items[i] = node
  }
  if (results.length > 0) root.set('results', list.doc.createNode(results))
  else root.delete('results')
  return {stdout: list.doc.toString({lineWidth: 0, indentSeq: false, flowCollectionPadding: false}), stderr: errors.length > 0 ? `${transformErrors(errors)}\n` : '', exitCode: errors.length > 0 ? 1 : 0}
}
