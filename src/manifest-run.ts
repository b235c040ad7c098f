// What inject and uninject do once their flags are parsed: build the engine's options, run the
// inputs through it (src/inject/run.ts) and write the outcome. Shared by the oclif commands
// (src/commands/inject.ts, uninject.ts) and the fast path (src/fast/), which parses the same
// flags without loading oclif; so nothing here imports @oclif/core or the kube layer (the
// command hands in the kube client opener for --from-cluster).
import {ExitCode, MeshError, UsageError, isMeshError} from './errors.js'
import {applyManualFlags, type ManualDeps, type ManualFlags} from './inject/manual/setup.js'
import {compacting, writeProgress} from './inject/memory.js'
import {buildInjectOptions} from './inject/options.js'
import {runManifests, type Action} from './inject/run.js'
import type {InjectOptions} from './inject/types.js'
import {colorEnabled, type ColorMode} from './output/color.js'
import {colorDiff} from './output/diff.js'

/** The flags of manifestFlags (src/manifest-flags.ts) and the global ones, as parsed. */
export interface ManifestFlagValues {
  [name: string]: unknown
  color: ColorMode
  output?: 'yaml' | 'json' | undefined
  diff: boolean
  check: boolean
  'in-place': boolean
  'pod-template-path'?: string[] | undefined
  verbose: boolean
}

/** Where a command writes (as BaseCommand's outData(), out() and err()). */
export interface CommandIo {
  /** Data on stdout, byte for byte: manifests, a diff for a pipe. */
  out(text: string): void
  /** Text for a person on stdout (a coloured diff), control characters escaped. */
  show(text: string): void
  /** Reports and warnings on stderr, control characters escaped. */
  err(text: string): void
}

interface Outcome {
  stdout: string | Iterable<string>
  stderr: string
  exitCode: number
}

export interface InjectDeps {
  /** meshport's version (for --manual's created-by annotation). */
  version: string
  /** Opens the kube client for --from-cluster; without it --from-cluster is a usage error. */
  openKube?: ManualDeps['openKube']
  /** --krm: transforms the ResourceList read from stdin instead of reading inputs. */
  krm?: ((options: InjectOptions) => Outcome) | undefined
}

export function actionOf(flags: {diff: boolean; check: boolean; 'in-place': boolean}): Action {
  return flags.diff ? 'diff' : flags.check ? 'check' : flags['in-place'] ? 'in-place' : 'print'
}

/** --diff and --check report errors with an exit code above 1, as kubectl diff does. */
export function diffExit(error: unknown, action: Action): unknown {
  if ((action === 'diff' || action === 'check') && isMeshError(error) && error.exitCode === ExitCode.failed) {
    return new MeshError(error.message, {code: error.code, exitCode: ExitCode.usage, ...(error.hint ? {hint: error.hint} : {})})
  }
  return error
}

function noInputs(): UsageError {
  return new UsageError('please specify a kubernetes resource file', {hint: 'pass a file, a directory, a URL, or - to read stdin'})
}

export async function runInject(flags: ManifestFlagValues & ManualFlags, args: string[], deps: InjectDeps, io: CommandIo): Promise<void> {
  const action = actionOf(flags)
  try {
    if (args.length === 0 && !deps.krm) throw noInputs()
    const options = await applyManualFlags(flags, buildInjectOptions(flags), {version: deps.version, ...(deps.openKube ? {openKube: deps.openKube} : {})})
    // The periodic full collections are sized for annotate mode's output (about the input's size);
    // --manual writes ~15x more, and collecting that live output every few MB costs more than it saves.
    const outcome = deps.krm
      ? deps.krm(options)
      : await runManifests({op: 'inject', options, args, action, output: flags.output, verbose: flags.verbose, memory: options.mode === 'manual' ? undefined : compacting})
    finish(outcome, action, flags, io)
  } catch (error) {
    throw diffExit(error, action)
  }
}

export async function runUninject(flags: ManifestFlagValues, args: string[], io: CommandIo): Promise<void> {
  const action = actionOf(flags)
  try {
    if (args.length === 0) throw noInputs()
    const options = buildInjectOptions({'pod-template-path': flags['pod-template-path']})
    finish(await runManifests({op: 'uninject', options, args, action, output: flags.output, verbose: flags.verbose, memory: compacting}), action, flags, io)
  } catch (error) {
    throw diffExit(error, action)
  }
}

function finish(outcome: Outcome, action: Action, flags: ManifestFlagValues, io: CommandIo): void {
  const pieces = typeof outcome.stdout === 'string' ? [outcome.stdout] : outcome.stdout
  // Manifests are data, byte for byte. --diff in colour on a terminal (as git diff: --color
  // decides, never in a pipe) is for a person, so it goes through the terminal-safe writer.
  if (action === 'diff' && colorEnabled(flags.color)) writePieces((text) => io.show(text), mapped(pieces, colorDiff))
  else writePieces((text) => io.out(text), pieces)
  if (outcome.stderr) io.err(outcome.stderr)
  process.exitCode = outcome.exitCode
}

function* mapped(pieces: Iterable<string>, f: (piece: string) => string): Generator<string> {
  for (const piece of pieces) yield f(piece)
}

const BATCH = 1 << 16

/** Writes stdout pieces, as they are produced, in batches of about 64 KiB (never one string of the whole stream). */
export function writePieces(write: (text: string) => void, pieces: Iterable<string>): void {
  const progress = writeProgress()
  let batch: string[] = []
  let size = 0
  let written = 0
  for (const piece of pieces) {
    batch.push(piece)
    size += piece.length
    if (size >= BATCH) {
      write(batch.join(''))
      written += size
      progress(written)
      batch = []
      size = 0
    }
  }
  if (size > 0) write(batch.join(''))
}
