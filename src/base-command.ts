// Every command extends BaseCommand: it owns the global flags, the stdout/stderr split and the
// exit-code policy (docs/exit-codes.md), so commands only parse flags, call domain code and render.
import {Command, Flags, type Interfaces} from '@oclif/core'

import {ExitCode, isMeshError} from './errors.js'
import {colorEnabled, type ColorMode} from './output/color.js'

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
      description: 'More detail in reports, and stack traces on unexpected errors.',
      helpGroup: 'GLOBAL',
    }),
  }

  /** Writes data to stdout. Nothing else may go there. */
  protected out(text: string): void {
    process.stdout.write(text)
  }

  /** Writes a report line, warning or hint to stderr. */
  protected err(text: string): void {
    process.stderr.write(text)
  }

  protected useColor(mode: ColorMode, stream: NodeJS.WriteStream = process.stdout): boolean {
    return colorEnabled(mode, stream)
  }

  // oclif's own catch ignores `oclif.exit` in --json mode and prints stacks for plain errors; this
  // is the one place that maps any failure to a one-line message, a hint and the documented code.
  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (isMeshError(err)) {
      // An expected failure (bad input, cluster trouble): message and hint only, --verbose or not;
      // stacks are for unexpected errors, as --verbose's description says.
      process.exitCode = err.exitCode
      let text = `Error: ${err.message}\n`
      if (err.hint) text += `Hint: ${err.hint}\n`
      process.stderr.write(text)
      return undefined
    }
    const oclifExit = err.oclif?.exit
    if (oclifExit !== undefined) {
      process.exitCode = oclifExit
      return super.catch(err)
    }
    // An unexpected bug: still one line unless --verbose asks for the stack.
    const verbose = this.argv.includes('--verbose')
    process.exitCode = err.exitCode ?? ExitCode.failed
    process.stderr.write(`Error: ${err.message}\n${verbose && err.stack ? `${err.stack}\n` : ''}`)
    return undefined
  }
}
