// How a command that failed ends on stderr: a one-line message, a hint and the documented exit
// code (docs/exit-codes.md). Shared by BaseCommand.catch and the fast path of inject/uninject
// (src/fast/), which must end exactly as the oclif command would; nothing here imports oclif.
import {errorInfo, isMeshError} from './errors.js'
import {terminalSafe} from './output/terminal.js'

/** Writes the failure to stderr and sets the exit code. `argv`: the command's arguments (for --verbose). */
export function reportFailure(err: Error & {exitCode?: number}, argv: readonly string[]): void {
  const info = errorInfo(err)
  process.exitCode = info.exitCode
  // Expected failures (bad input, cluster trouble) print message and hint only, --verbose or not;
  // an unexpected bug is one line too unless --verbose asks for its stack.
  let text = `Error: ${info.message}\n`
  // A mistyped flag carries its likely meaning (FlagUsageError in src/base-command.ts).
  const guesses = (err as {didYouMean?: readonly string[]}).didYouMean
  if (guesses !== undefined && guesses.length > 0) text += `Did you mean ${guesses.join(' or ')}?\n`
  if (info.hint) text += `Hint: ${info.hint}\n`
  if (!isMeshError(err) && argv.includes('--verbose') && err.stack) text += `${err.stack}\n`
  // Messages quote names, Status messages and bodies from outside: shown, never obeyed.
  process.stderr.write(terminalSafe(text))
}
