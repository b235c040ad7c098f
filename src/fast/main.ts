// The fast path of inject and uninject, bundled into one file (dist/fast-bundle/main.cjs, loaded
// by load.ts) that bin/run.js runs instead of oclif. A pre-commit hook, a Helm post-renderer or a
// KRM function calls inject once per file or render, where loading oclif and its command graph
// cost three times Node's own start-up. This parses the command's flags as oclif would (argv.ts, from specs generated from
// the command classes) and runs the very code the oclif command runs (src/manifest-run.ts); it
// declines (returns false, having touched nothing) whatever oclif itself must handle: help,
// flag errors, --krm, --from-cluster, debug output.
import {reportFailure} from '../command-failure.js'
import {runInject, runUninject, type CommandIo, type ManifestFlagValues} from '../manifest-run.js'
import {terminalSafe} from '../output/terminal.js'
import {parseArgv} from './argv.js'
import {FAST_SPECS} from './specs.js'

interface FastCommand {
  /** Flags this path leaves to the oclif command. */
  declines?(flags: Record<string, unknown>): boolean
  run(flags: ManifestFlagValues, args: string[], version: string): Promise<void>
}

// As BaseCommand's outData(), out() and err().
const io: CommandIo = {
  err: (text) => process.stderr.write(terminalSafe(text)),
  out: (text) => process.stdout.write(text),
  show: (text) => process.stdout.write(terminalSafe(text)),
}

/** The commands with a fast path (bin/run.js names the same ids before loading this file). */
export const FAST_COMMANDS: Record<string, FastCommand> = {
  inject: {
    // --krm reads stdin before parsing; --from-cluster needs the kube layer, kept out of this bundle.
    declines: (flags) => flags.krm === true || flags['from-cluster'] === true,
    run: (flags, args, version) => runInject(flags, args, {version}, io),
  },
  uninject: {
    run: (flags, args) => runUninject(flags, args, io),
  },
}

/**
 * Runs `argv` (the words after the program name) if the fast path can, and returns true; returns
 * false, having read and written nothing, when oclif must run it.
 */
export async function runFast(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  // DEBUG and MESHPORT_DEBUG make oclif print its debug log: that needs oclif.
  if (FAST_SPECS === undefined || env.DEBUG || env.MESHPORT_DEBUG) return false
  const [id, ...rest] = argv
  const command = id === undefined ? undefined : FAST_COMMANDS[id]
  const spec = id === undefined ? undefined : FAST_SPECS.commands[id]
  if (command === undefined || spec === undefined) return false
  const parsed = parseArgv(spec, rest, FAST_SPECS.helpFlags)
  if (parsed === undefined || command.declines?.(parsed.flags)) return false
  ignoreEpipe()
  try {
    await command.run(parsed.flags as ManifestFlagValues, parsed.argv, FAST_SPECS.version)
  } catch (error) {
    reportFailure(error as Error, rest)
  }
  return true
}

let epipeIgnored = false

/** As oclif's Command module does: a reader that closed the pipe early (`| head`) is no error. */
function ignoreEpipe(): void {
  if (epipeIgnored) return
  epipeIgnored = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return
    throw error
  })
}
