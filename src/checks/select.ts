// `--only` and `--skip` take check ids (`linkerd-identity.issuer-cert-not-expiring`), category
// ids (`linkerd-identity`) and their aliases: Linkerd's category ids where meshport's differ
// (`linkerd-data-plane` for `data-plane`, `control-plane-version` for the control-plane version
// checks of `linkerd-version`). Unknown ids are a usage error, reported by the command, so a typo
// in a CI job does not silently select nothing.
import type {Category, Check} from './types.js'

export interface Selection {
  only: readonly string[]
  skip: readonly string[]
}

export const fullId = (category: {id: string}, check: {id: string}): string => `${category.id}.${check.id}`

type CategoryRef = Pick<Category<unknown>, 'id' | 'aliases'>
type CheckRef = Pick<Check<unknown>, 'id' | 'aliases'>

/** Every id that selects this check: its own, its category's, and their aliases. */
export function selectorsOf(category: CategoryRef, check: CheckRef): string[] {
  return [fullId(category, check), category.id, ...(category.aliases ?? []), ...(check.aliases ?? [])]
}

/** Every id a selector may name: categories, checks and aliases. */
export function knownIds(categories: ReadonlyArray<Category<unknown>>): Set<string> {
  const ids = new Set<string>()
  for (const category of categories) {
    ids.add(category.id)
    for (const check of category.checks) for (const id of selectorsOf(category, check)) ids.add(id)
  }
  return ids
}

export function unknownSelectors(categories: ReadonlyArray<Category<unknown>>, selection: Selection): string[] {
  const ids = knownIds(categories)
  return [...selection.only, ...selection.skip].filter((id) => !ids.has(id))
}

/** Whether a check runs: named (by its id, its category's or an alias) by --only when given, and not by --skip. */
export function isSelected(category: CategoryRef, check: CheckRef, selection: Selection): boolean {
  const ids = selectorsOf(category, check)
  const named = (list: readonly string[]) => ids.some((id) => list.includes(id))
  if (selection.only.length > 0 && !named(selection.only)) return false
  return !named(selection.skip)
}

/** Splits comma-separated and repeated flag values: `--only a,b --only c`. */
export function splitIds(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
}
