// `--only` and `--skip` take check ids (`linkerd-identity.issuer-cert-not-expiring`) or category
// ids (`linkerd-identity`). Unknown ids are a usage error, reported by the command, so a typo in a
// CI job does not silently select nothing.
import type {Category} from './types.js'

export interface Selection {
  only: readonly string[]
  skip: readonly string[]
}

export const fullId = (category: {id: string}, check: {id: string}): string => `${category.id}.${check.id}`

/** Every id a selector may name: categories and checks. */
export function knownIds(categories: ReadonlyArray<Category<unknown>>): Set<string> {
  const ids = new Set<string>()
  for (const category of categories) {
    ids.add(category.id)
    for (const check of category.checks) ids.add(fullId(category, check))
  }
  return ids
}

export function unknownSelectors(categories: ReadonlyArray<Category<unknown>>, selection: Selection): string[] {
  const ids = knownIds(categories)
  return [...selection.only, ...selection.skip].filter((id) => !ids.has(id))
}

/** Whether a check runs: named (or its category named) by --only when given, and not by --skip. */
export function isSelected(categoryId: string, checkId: string, selection: Selection): boolean {
  const id = `${categoryId}.${checkId}`
  const named = (list: readonly string[]) => list.includes(id) || list.includes(categoryId)
  if (selection.only.length > 0 && !named(selection.only)) return false
  return !named(selection.skip)
}

/** Splits comma-separated and repeated flag values: `--only a,b --only c`. */
export function splitIds(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
}
