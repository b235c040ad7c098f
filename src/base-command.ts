// Every command extends BaseCommand: it owns the global flags, the stdout/stderr split and the
// exit-code policy (docs/exit-codes.md), so commands only parse flags, call domain code and render.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {reportFailure} from './command-failure.js'
import type {CommandIo} from './manifest-run.js'
import {errorInfo, type ErrorInfo, isMeshError} from './errors.js'
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
  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
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
