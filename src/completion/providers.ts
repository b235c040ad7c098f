// Values that oclif's flag table cannot know: the resource types `viz stat`, `edges`, `authz` and `diagnose` take,
// and the check and category ids of `check --only/--skip`. Keyed by command id and flag name.
import {KINDS} from '../resources/kinds.js'

type Provider = () => readonly string[] | Promise<readonly string[]>

export interface Providers {
  /** Values of positional arguments (the last entry repeats). */
  args?: readonly Provider[]
  flags?: Readonly<Record<string, Provider>>
  /** Flags whose value is a comma-separated list. */
  lists?: readonly string[]
  /** Positional arguments are files, directories or URLs. */
  fileArgs?: boolean
}

export function resourceTypes(): string[] {
  return ['all', ...KINDS.flatMap((k) => k.aliases)]
}

/** Every category id, alias and `category.check` id, in run order. */
export async function checkIds(): Promise<string[]> {
  // Loaded only when check ids are being completed: the registry pulls in every check.
  const [{allCategories}, {knownIds}] = await Promise.all([import('../checks/registry.js'), import('../checks/select.js')])
  return [...knownIds(allCategories())]
}

const targetTypes = (): string[] => resourceTypes().filter((t) => t !== 'all')

export const PROVIDERS: Readonly<Record<string, Providers>> = {
  check: {flags: {only: checkIds, skip: checkIds}, lists: ['only', 'skip']},
  'viz:stat': {args: [resourceTypes, () => []], flags: {to: targetTypes, from: targetTypes}},
  'viz:edges': {args: [targetTypes, () => []]},
  'viz:authz': {args: [targetTypes, () => []]},
  'diagnose:ports': {args: [targetTypes]},
  'diagnose:proxy-metrics': {args: [targetTypes]},
  inject: {fileArgs: true},
  uninject: {fileArgs: true},
}
