// What the fast path knows of a command's flags and arguments: the parts of oclif's definitions
// that decide how argv is parsed, written at build time from the command classes themselves
// (scripts/fast-specs.mjs), so the fast path and oclif never disagree on a flag.

export interface FlagSpec {
  type: 'boolean' | 'option'
  char?: string
  /** Option flags: repeatable, values collected in order. */
  multiple?: boolean
  /** Multiple flags: one value per occurrence (oclif's multipleNonGreedy); otherwise every following word is a value too. */
  nonGreedy?: boolean
  /** Boolean flags: `--no-NAME` sets false. */
  allowNo?: boolean
  options?: string[]
  default?: string | boolean | string[]
  exclusive?: string[]
  /** A feature the fast parser does not model (deprecation, env, custom parse, ...): using the flag hands the command to oclif. */
  unsupported?: boolean
}

export interface CommandSpec {
  flags: Record<string, FlagSpec>
  /** Names of the positional arguments, in order. */
  args: string[]
  /** oclif's `strict`: no words beyond the declared arguments. */
  strict: boolean
}

export interface FastSpecs {
  /** The CLI's version, as oclif's config.version. */
  version: string
  /** The words that make oclif show help wherever they appear (`--help` and additionalHelpFlags). */
  helpFlags: string[]
  commands: Record<string, CommandSpec>
}
