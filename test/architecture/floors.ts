// The floors of src/ (docs/architecture.md) as rules over the import graph: which folder may
// import which. Read with TypeScript's own parser, so type-only imports, re-exports and lazy
// import() calls are told apart exactly; an import of a lower floor is always fine.
import {readdirSync, readFileSync} from 'node:fs'
import {posix} from 'node:path'

import ts from 'typescript'

export interface ImportEdge {
  from: string
  /** Repository path of the imported file, `.ts` (relative imports only). */
  to: string
  typeOnly: boolean
  line: number
}

export interface Violation extends ImportEdge {
  message: string
}

/** Imports that break a rule today and are being removed elsewhere; each must still exist. */
export const KNOWN_EXCEPTIONS: ReadonlyArray<{from: string; to: string; why: string}> = []

const DOMAIN = ['inject', 'checks', 'metrics', 'diagnose', 'ports', 'resources', 'policy']
const COMMAND_FLOOR = ['commands', 'completion', 'hooks', 'base-command.ts', 'cluster-command.ts', 'command-failure.ts', 'manifest-flags.ts', 'manifest-run.ts', 'viz-command.ts', 'watch-rounds.ts', 'fast', 'help.ts']
/** The one door of the client layer for commands: it loads the rest of src/kube lazily. */
const KUBE_DOOR = 'src/kube/connect.ts'
/** The pure part of src/kube that code on every floor above may use: the client's types, label selectors. */
const KUBE_FACTS = ['src/kube/types.ts', 'src/kube/selectors.ts']

/** `src/checks/x.ts` → `checks`; `src/errors.ts` → `errors.ts`. */
export function areaOf(path: string): string {
  return path.split('/')[1] ?? ''
}

const isDomain = (area: string) => DOMAIN.includes(area)
const isCommandFloor = (area: string) => COMMAND_FLOOR.includes(area)
const isBase = (area: string) => area === 'errors.ts' || area === 'util'

/** Why `edge` breaks a floor, or undefined when it may be there. */
export function judge(edge: ImportEdge): string | undefined {
  const from = areaOf(edge.from)
  const to = areaOf(edge.to)
  if (from === to && from !== 'commands') return undefined
  if (isBase(from)) return isBase(to) ? undefined : 'src/errors.ts and src/util are the ground floor: they import nothing but each other'
  if (from === 'kube') return isBase(to) ? undefined : 'src/kube imports nothing above it (only src/errors.ts and src/util): the client layer knows no commands, domain or Linkerd facts'
  if (from === 'mesh') return isBase(to) ? undefined : 'src/mesh holds Linkerd facts and names: it imports only src/errors.ts and src/util'
  if (to === 'output' && from !== 'output' && !isCommandFloor(from)) return 'src/output draws text for commands only: domain code returns data and the command renders it'
  if (isDomain(from) || from === 'output') {
    if (isCommandFloor(to)) return `src/${from} is below the commands: it must not import src/${to}`
    if (to === 'kube') {
      if (from === 'inject' && !(edge.to === 'src/kube/types.ts' && edge.typeOnly)) return 'src/inject works offline: from src/kube it imports only the type of the client it is handed (import type from src/kube/types.ts)'
      if (!KUBE_FACTS.includes(edge.to)) return `only src/kube talks to the cluster: src/${from} is handed a KubeClient and imports only ${KUBE_FACTS.join(' and ')}`
    }
    return undefined
  }
  if (isCommandFloor(from)) {
    if (from === 'commands' && to === 'commands') return 'a command does not import another command: what two commands share lives in src/base-command.ts, src/cluster-command.ts or a domain folder'
    if (to === 'kube' && !KUBE_FACTS.includes(edge.to) && edge.to !== KUBE_DOOR && !edge.typeOnly) return `commands reach the cluster through ClusterCommand.kube() or openKube() in ${KUBE_DOOR}, which alone loads the client`
  }
  return undefined
}

/** Every relative import of one source file, with whether it brings in types only. */
export function importsOf(path: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const edges: ImportEdge[] = []
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !specifier.text.startsWith('.')) return
    const to = posix.normalize(posix.join(posix.dirname(path), specifier.text)).replace(/\.js$/, '.ts')
    edges.push({from: path, to, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1})
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const bindings = clause?.namedBindings
      const onlyTypes = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)))
      add(node.moduleSpecifier, onlyTypes, node)
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause
      add(node.moduleSpecifier, node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)), node)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false, node)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true, node)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return edges
}

/** The rule breaks among `files` (repository path → source text), known exceptions left out. */
export function floorViolations(files: ReadonlyMap<string, string>, known = KNOWN_EXCEPTIONS): Violation[] {
  const violations: Violation[] = []
  for (const [path, text] of files) {
    for (const edge of importsOf(path, text)) {
      const message = judge(edge)
      if (message === undefined || known.some((k) => k.from === edge.from && k.to === edge.to)) continue
      violations.push({...edge, message})
    }
  }
  return violations
}

export function describeViolation(v: Violation): string {
  return `${v.from}:${v.line} imports ${v.to}: ${v.message} (docs/architecture.md#floors)`
}

/** src/**\/*.ts of the checkout at `root`, by repository path. */
export function sourceFiles(root: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(posix.join(root, dir), {withFileTypes: true})) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) files.set(path, readFileSync(posix.join(root, path), 'utf8'))
    }
  }
  walk('src')
  return files
}
