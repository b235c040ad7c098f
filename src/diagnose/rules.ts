// Every diagnose rule id in one list: for --only/--skip validation and for the test that keeps
// docs/diagnose.md complete.
import {PORT_RULE_LIST, type Problem, type Severity} from '../ports/index.js'
import {IDENTITY_RULES} from './identity.js'
import {MESH_RULES} from './mesh-status.js'
import {PROXY_RULES} from './proxy-health.js'

export interface RuleId {
  id: string
  severity: Severity
}

export const ALL_RULES: readonly RuleId[] = [...PORT_RULE_LIST, ...Object.values(MESH_RULES), ...Object.values(PROXY_RULES), ...Object.values(IDENTITY_RULES)]

/** A selector names a rule (`ports.opaque-http`) or a group of rules (`ports`, `mesh`). */
function matches(selector: string, rule: string): boolean {
  return rule === selector || rule.startsWith(`${selector}.`)
}

export function unknownRuleSelectors(selectors: readonly string[]): string[] {
  return selectors.filter((s) => !ALL_RULES.some((r) => matches(s, r.id)))
}

export function splitSelectors(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
}

/** Keeps the problems --only selects (all when empty) and --skip does not. */
export function selectProblems<P extends Pick<Problem, 'rule'>>(problems: readonly P[], only: readonly string[], skip: readonly string[]): P[] {
  return problems.filter((p) => (only.length === 0 || only.some((s) => matches(s, p.rule))) && !skip.some((s) => matches(s, p.rule)))
}

/** Validated --only/--skip values, or a message naming the unknown ones. */
export function parseRuleSelection(only: readonly string[] | undefined, skip: readonly string[] | undefined): {only: string[]; skip: string[]} | {error: string} {
  const o = splitSelectors(only)
  const s = splitSelectors(skip)
  const unknown = unknownRuleSelectors([...o, ...s])
  if (unknown.length > 0) return {error: `unknown rule id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}`}
  return {only: o, skip: s}
}
