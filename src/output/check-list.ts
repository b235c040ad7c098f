// `check --list-checks`: every id --only/--skip accept in this mode, after the selection.
// Text: one `id<TAB>what` line per id: a category (`category <printed name>`), an alias
// (`alias: <ids it selects>`), or a check (its description). Category ids have no dot.
// JSON: the categories with their checks' severity, flags, hint and aliases.
import {fullId, isSelected, type Selection} from '../checks/select.js'
import type {Category} from '../checks/types.js'
import {hintUrl} from '../checks/types.js'

type AnyCategory = Category<never>

function selected(categories: readonly AnyCategory[], selection: Selection): Array<{category: AnyCategory; checks: AnyCategory['checks']}> {
  return categories.map((category) => ({category, checks: category.checks.filter((check) => isSelected(category, check, selection))})).filter((c) => c.checks.length > 0)
}

export function renderCheckListText(categories: readonly AnyCategory[], selection: Selection): string {
  const lines: string[] = []
  for (const {category, checks} of selected(categories, selection)) {
    lines.push(`${category.id}\tcategory ${category.name}`)
    for (const alias of category.aliases ?? []) lines.push(`${alias}\talias: ${category.id}`)
    const groups = new Map<string, string[]>()
    for (const check of checks) for (const alias of check.aliases ?? []) groups.set(alias, [...(groups.get(alias) ?? []), fullId(category, check)])
    for (const [alias, ids] of groups) lines.push(`${alias}\talias: ${ids.join(', ')}`)
    for (const check of checks) lines.push(`${fullId(category, check)}\t${check.description}`)
  }
  return lines.map((line) => `${line}\n`).join('')
}

export function renderCheckListJson(categories: readonly AnyCategory[], selection: Selection): string {
  const doc = selected(categories, selection).map(({category, checks}) => ({
    id: category.id,
    name: category.name,
    aliases: category.aliases ?? [],
    checks: checks.map((check) => ({
      id: fullId(category, check),
      description: check.description,
      severity: check.severity,
      fatal: check.fatal === true,
      retry: check.retry === true,
      hint: hintUrl(check.hint) ?? null,
      aliases: check.aliases ?? [],
    })),
  }))
  return `${JSON.stringify({categories: doc}, null, 2)}\n`
}
