// Parses a command's argv the way oclif 4's parser does (node_modules/@oclif/core/lib/parser/),
// for the forms people type: `--flag value`, `--flag=value`, `-c value`, `-cvalue`, `--no-flag`,
// repeated and greedy multiple flags, words as arguments. Whatever would make oclif do more than
// return flags and arguments (help, an unknown flag, a missing or invalid value, a flag given
// twice, exclusive flags together, `--`, reading an argument from stdin) returns undefined:
// the caller then runs oclif, which prints its own message. So a parse here is oclif's parse.
import type {CommandSpec, FlagSpec} from './spec.js'

export interface ParsedArgv {
  /** Flag values by name, as oclif's `flags` (defaults included, absent flags left out). */
  flags: Record<string, unknown>
  /** The positional words in order, as oclif's `argv`. */
  argv: string[]
}

interface Found {
  name: string
  flag: FlagSpec
  long: boolean
  negated: boolean
}

/** oclif's findFlag: `--name`, `--no-name` (booleans with allowNo) and `-c...` by its second character. */
function findFlag(spec: CommandSpec, token: string): Found | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2)
    const flag = spec.flags[name]
    if (flag) return {name, flag, long: true, negated: false}
    if (name.startsWith('no-')) {
      const positive = spec.flags[name.slice(3)]
      if (positive?.type === 'boolean' && positive.allowNo) return {name: name.slice(3), flag: positive, long: true, negated: true}
    }
    return undefined
  }
  if (token.startsWith('-') && token.length > 1) {
    const char = token[1]
    for (const [name, flag] of Object.entries(spec.flags)) if (flag.char === char) return {name, flag, long: false, negated: false}
  }
  return undefined
}

export function parseArgv(spec: CommandSpec, argv: readonly string[], helpFlags: readonly string[]): ParsedArgv | undefined {
  // oclif shows help when a help flag appears anywhere before `--` (and `--` itself is declined).
  if (argv.some((token) => token === '--' || helpFlags.includes(token))) return undefined
  const given = new Map<string, unknown[]>()
  const give = (name: string, value: unknown): void => {
    const values = given.get(name)
    if (values) values.push(value)
    else given.set(name, [value])
  }
  const words: string[] = []
  // oclif's currentFlag: the last option flag; a greedy multiple one takes the words after it.
  let current: Found | undefined
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (!token.startsWith('-') || token === '-') {
      if (current?.flag.multiple && !current.flag.nonGreedy) {
        if (!allowed(current.flag, token)) return undefined
        give(current.name, token)
      } else {
        words.push(token)
      }
      continue
    }
    let found = findFlag(spec, token)
    let inline: string | undefined
    if (found === undefined) {
      // `--name=value`: oclif retries with the part before the first `=`.
      const eq = token.indexOf('=')
      if (eq === -1) return undefined
      found = findFlag(spec, token.slice(0, eq))
      inline = token.slice(eq + 1)
      if (found === undefined) return undefined
    }
    if (found.flag.unsupported) return undefined
    if (found.flag.type === 'boolean') {
      // `--flag=x` leaves x behind as the next word, `-abc` stacks short booleans: oclif's business.
      if (inline !== undefined || (!found.long && token.length > 2)) return undefined
      give(found.name, !found.negated)
      continue
    }
    if (!found.flag.multiple && given.has(found.name)) return undefined
    current = found
    let value: string | undefined
    if (inline !== undefined) value = inline
    else if (found.long || token.length < 3) value = argv[++i]
    else value = token.slice(token[2] === '=' ? 3 : 2)
    // oclif: a value that is itself one of the command's flags means the value is missing.
    if (value === undefined || findFlag(spec, value) !== undefined || !allowed(found.flag, value)) return undefined
    give(found.name, value)
  }
  // No argument word: oclif would try to read the first argument from stdin.
  if (spec.args.length > 0 && words.length === 0) return undefined
  if (spec.strict && words.length > spec.args.length) return undefined

  const flags: Record<string, unknown> = {}
  for (const [name, flag] of Object.entries(spec.flags)) {
    const values = given.get(name)
    if (values !== undefined) {
      for (const other of flag.exclusive ?? []) if (other !== name && given.has(other)) return undefined
      flags[name] = flag.type === 'option' && flag.multiple ? values : values[values.length - 1]
    } else if (flag.default !== undefined) {
      flags[name] = Array.isArray(flag.default) ? [...flag.default] : flag.default
    }
  }
  // oclif sorts its argv by each word's first position in the input: a repeated word moves up to
  // its first occurrence (`a b a` gives `a a b`). Stable, so distinct words keep their order.
  return {flags, argv: words.sort((a, b) => argv.indexOf(a) - argv.indexOf(b))}
}

function allowed(flag: FlagSpec, value: string): boolean {
  return flag.options === undefined || flag.options.includes(value)
}
