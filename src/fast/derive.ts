// Derives the fast path's spec of a command (spec.ts) from its oclif class: the flag and argument
// definitions oclif parses with. Run at build time (scripts/build.mjs) on the built classes, so
// the fast path and oclif never disagree on a flag. A command whose definitions use something
// argv.ts does not model gets no spec (oclif runs it as always); a flag with such a feature is
// marked unsupported, so that using it hands the command to oclif.
import type {Command} from '@oclif/core'

import type {CommandSpec, FlagSpec} from './spec.js'

type OclifFlag = Record<string, unknown> & {type: 'boolean' | 'option'}
type OclifArg = Record<string, unknown>

// oclif's Flags.string, Flags.option, Flags.boolean and Args.string parse with `async (x, ...) => x`.
const IDENTITY_PARSE = /^async \((\w+)(?:, \w+)*\) => \1$/

function isIdentity(parse: unknown): boolean {
  return parse === undefined || (typeof parse === 'function' && IDENTITY_PARSE.test(String(parse)))
}

const UNMODELLED_FLAG_FEATURES = ['defaultHelp', 'env', 'allowStdin', 'delimiter', 'deprecated', 'dependsOn', 'combinable']

/** Flags named in `exclusive` and in `none` relationships (oclif validates both alike); undefined for other relationships. */
function exclusiveOf(flag: OclifFlag): string[] | undefined {
  const names = Array.isArray(flag.exclusive) ? [...(flag.exclusive as string[])] : []
  for (const relationship of (flag.relationships ?? []) as Array<{type: string; flags: unknown[]}>) {
    if (relationship.type !== 'none' || relationship.flags.some((f) => typeof f !== 'string')) return undefined
    names.push(...(relationship.flags as string[]))
  }
  return names
}

function flagSpec(flag: OclifFlag): FlagSpec {
  const spec: FlagSpec = {type: flag.type}
  if (typeof flag.char === 'string') spec.char = flag.char
  if (flag.type === 'option' && flag.multiple === true) {
    spec.multiple = true
    if (flag.multipleNonGreedy === true) spec.nonGreedy = true
  }
  if (flag.type === 'boolean' && flag.allowNo === true) spec.allowNo = true
  if (Array.isArray(flag.options)) spec.options = [...(flag.options as string[])]
  if (flag.default !== undefined && typeof flag.default !== 'function') spec.default = flag.default as FlagSpec['default'] & {}
  const exclusive = exclusiveOf(flag)
  if (exclusive !== undefined && exclusive.length > 0) spec.exclusive = exclusive
  if (exclusive === undefined || !isIdentity(flag.parse) || typeof flag.default === 'function' || UNMODELLED_FLAG_FEATURES.some((f) => flag[f] !== undefined)) spec.unsupported = true
  return spec
}

const nonEmpty = (value: unknown): boolean => Array.isArray(value) && value.length > 0

/** Why the fast path cannot run this command at all, or undefined. */
function obstacleOf(id: string, command: Command.Class, flags: Record<string, OclifFlag>, allIds: readonly string[]): string | undefined {
  if (command.enableJsonFlag) return '--json'
  if (allIds.some((other) => other.startsWith(`${id}:`))) return 'it is also a topic'
  if (nonEmpty(command.aliases) || nonEmpty(command.hiddenAliases) || command.state === 'deprecated') return 'aliases or deprecation'
  for (const [name, flag] of Object.entries(flags)) {
    if (nonEmpty(flag.aliases) || nonEmpty(flag.charAliases)) return `--${name} has aliases`
    if (flag.required === true || nonEmpty(flag.exactlyOne) || nonEmpty(flag.atLeastOne)) return `--${name} is validated even when absent`
  }
  for (const [name, arg] of Object.entries((command.args ?? {}) as Record<string, OclifArg>)) {
    if (arg.required === true || arg.multiple === true || arg.options !== undefined || arg.default !== undefined || arg.ignoreStdin === true || !isIdentity(arg.parse)) {
      return `argument ${name} is not a plain optional string`
    }
  }
  return undefined
}

/** The spec of an oclif command class, or why the fast path cannot run it. `allIds`: every command id of the CLI. */
export function commandSpec(id: string, command: Command.Class, allIds: readonly string[] = []): {spec: CommandSpec} | {obstacle: string} {
  // As oclif's Command.parse aggregates them (no --json: enableJsonFlag is an obstacle).
  const flags = {...command.baseFlags, ...command.flags} as Record<string, OclifFlag>
  const obstacle = obstacleOf(id, command, flags, allIds)
  if (obstacle !== undefined) return {obstacle}
  return {
    spec: {
      flags: Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, flagSpec(flag)])),
      args: Object.keys(command.args ?? {}),
      strict: command.strict !== false,
    },
  }
}
