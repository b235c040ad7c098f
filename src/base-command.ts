// Every command extends BaseCommand: it owns the global flags, the stdout/stderr split and the
// exit-code policy (docs/exit-codes.md), so commands only parse flags, call domain code and render.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {reportFailure} from './command-failure.js'
import {closestFlags} from './completion/suggest.js'
import {errorInfo, type ErrorInfo, isMeshError, UsageError} from './errors.js'
import type {CommandIo} from './manifest-run.js'
import {colorEnabled, type ColorMode} from './output/color.js'
import {terminalSafe} from './output/terminal.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    color: Flags.option({
      default: 'auto',
      description: 'Colour in human output: auto (only on a terminal, and not when NO_COLOR is set), always or never.',
      helpGroup: 'GLOBAL',
      options: ['auto', 'always', 'never'] as const,
    })(),
    verbose: Flags.boolean({
      default: false,
      description: 'More detail in reports, each retried API request or port-forward on stderr, and stack traces on unexpected errors.',
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * Writes text for a person to stdout: tables and reports. Control characters in it (from names,
   * labels, annotations, messages the cluster or a manifest controls) are shown escaped.
   */
  protected out(text: string): void {
    process.stdout.write(terminalSafe(text))
  }

  /** Writes data to stdout byte for byte: JSON, YAML, manifests, JUnit, completion scripts. */
  protected outData(text: string): void {
    process.stdout.write(text)
  }

  /** Writes a report line, warning or hint to stderr, with control characters shown escaped. */
  protected err(text: string): void {
    process.stderr.write(terminalSafe(text))
  }

  /** The three writers as one object, for code shared with inject's fast path (src/manifest-run.ts). */
  protected io(): CommandIo {
    return {err: (text) => this.err(text), out: (text) => this.outData(text), show: (text) => this.out(text)}
  }

  protected useColor(mode: ColorMode, stream: NodeJS.WriteStream = process.stdout): boolean {
    return colorEnabled(mode, stream)
  }

  /**
   * A failure as a document of the command's output format, for stdout; undefined writes none.
   * Commands whose `-o json` is a report opt in (ClusterCommand); inject's `-o json` is a manifest
   * format, where a document that is not a manifest would only confuse `kubectl apply`.
   */
  protected errorDocument(_info: ErrorInfo, _format: string): string | undefined {
    return undefined
  }

  // oclif's own catch ignores `oclif.exit` in --json mode and prints stacks for plain errors; this
  // is the one place that maps any failure to a one-line message, a hint and the documented code
  // (reportFailure, shared with inject's fast path), plus, in a machine format, a document on
  // stdout that says the same.
  protected override async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's parse errors would print its own error style and the whole help: one usage error instead.
    const err = parseFailure(thrown, this.flagNames(), this.commandLine()) ?? thrown
    const info = errorInfo(err)
    const format = outputFlag(this.argv)
    const document = info.exitCode === 0 || format === undefined ? undefined : this.errorDocument(info, format)
    if (document !== undefined) this.outData(document)
    if (!isMeshError(err) && err.oclif?.exit !== undefined) {
      process.exitCode = info.exitCode
      return super.catch(err)
    }
    reportFailure(err, this.argv)
    return undefined
  }

  /** `meshport viz stat`, as typed (kubectl plugins show `kubectl meshport`). */
  protected commandLine(): string {
    return [this.config.bin, ...(this.id ?? '').split(':').filter((w) => w !== '')].join(' ')
  }

  /** Every flag of this command as typed: `--name`, `--no-name`, `-c`. */
  private flagNames(): string[] {
    const flags = {...this.ctor.baseFlags, ...this.ctor.flags} as Record<string, {char?: string; allowNo?: boolean; hidden?: boolean}>
    return Object.entries(flags)
      .filter(([, f]) => f.hidden !== true)
      .flatMap(([name, f]) => [`--${name}`, ...(f.allowNo ? [`--no-${name}`] : []), ...(f.char ? [`-${f.char}`] : [])])
  }
}

/** A usage error about flags, with the flags the user probably meant. */
export class FlagUsageError extends UsageError {
  constructor(
    message: string,
    readonly didYouMean: string[],
    hint: string,
  ) {
    super(message, {hint})
  }
}

/**
 * oclif's parse errors (unknown flag, bad option value, exclusive flags, missing argument) as one
 * usage error in our style: the message on one line, "Did you mean" for a mistyped flag, and a
 * pointer at --help instead of the whole help. Undefined for anything that is not a parse error.
 */
export function parseFailure(err: unknown, flagNames: readonly string[], commandLine: string): FlagUsageError | undefined {
  const e = err as {message?: string; code?: string; oclif?: {exit?: number}; flags?: string[]; args?: Array<{name?: string}>}
  // Every oclif CLIError that reaches a command's catch comes from parsing argv (we never call
  // this.error); `this.exit()` is an ExitError (EEXIT) and passes through.
  if (err === null || typeof err !== 'object' || isMeshError(err) || e.oclif?.exit === undefined || e.code === 'EEXIT') return undefined
  const hint = `run \`${commandLine} --help\` for the usage`
  if (Array.isArray(e.flags) && e.flags.length > 0) {
    const typed = e.flags.map((f) => f.split('=')[0] as string)
    const guesses = typed.length === 1 ? closestFlags(typed[0] as string, flagNames) : []
    return new FlagUsageError(`unknown flag${typed.length > 1 ? 's' : ''}: ${typed.join(', ')}`, guesses, hint)
  }
  if (Array.isArray(e.args) && /^Missing \d+ required arg/.test(e.message ?? '')) {
    const names = e.args.map((a) => (a.name ?? '').toUpperCase()).filter((n) => n !== '')
    return new FlagUsageError(`missing argument${names.length === 1 ? '' : 's'} ${names.join(' ')}`, [], hint)
  }
  return new FlagUsageError(parseMessage(e.message ?? 'invalid arguments'), [], hint)
}

// eslint-disable-next-line no-control-regex -- oclif dims parts of its messages
const ANSI = /\u001B\[[0-9;]*m/g

function parseMessage(raw: string): string {
  const lines = raw
    .replace(ANSI, '')
    .replace(/\n?See more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\s*/, '')
    .replace(/^Parsing (--[\w-]+)\s*\n\s*/, '$1: ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    // oclif words exclusive flags as `--pre=true cannot also be provided when using --proxy`.
    .map((line) => line.replace(/^--([\w-]+)=\S* cannot also be provided when using --([\w-]+)$/, (_, a: string, b: string) => `--${[a, b].sort().join(' and --')} cannot be used together`))
  return [...new Set(lines)].join('; ')
}

/** The value of -o/--output as given, read from argv: parsing the flags may be what failed. */
export function outputFlag(argv: readonly string[]): string | undefined {
  let value: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') break
    if (arg === '-o' || arg === '--output') value = argv[++i]
    else if (arg.startsWith('--output=')) value = arg.slice('--output='.length)
    else if (/^-o./.test(arg)) value = arg.slice(2).replace(/^=/, '')
  }
  return value
}
