// The inject/uninject service behind both commands: read inputs, transform each, then produce
// stdout, stderr and the exit code for the chosen action (print, --diff, --check, --in-place).
// Nothing is written anywhere until every input has been read and transformed without error.
import {rename, writeFile, stat, unlink} from 'node:fs/promises'
import {dirname, basename, join} from 'node:path'

import {ExitCode, InputError} from '../errors.js'
import {unifiedDiff} from './diff.js'
import type {Operation, Progress} from './engine.js'
import {renderInput, streamPieces, type OutputFormat} from './output.js'
import {transformErrors} from './report.js'
import {readInputs, type Input, type SourceOptions} from './source.js'
import {transformToStream, type StreamResult} from './stream.js'
import type {InjectOptions} from './types.js'

export type Action = 'print' | 'diff' | 'check' | 'in-place'

export interface RunSettings {
  op: Operation
  options: InjectOptions
  args: string[]
  action: Action
  output?: OutputFormat | undefined
  verbose: boolean
  source?: SourceOptions
  /** Per input (given its size), an optional progress callback for the transform. */
  progress?: ((size: number) => Progress | undefined) | undefined
}

export interface RunOutcome {
  /** stdout as pieces, to be written in order (large streams are never joined into one string). */
  stdout: string[]
  stderr: string
  exitCode: number
}

export async function runManifests(settings: RunSettings): Promise<RunOutcome> {
  const inputs = await readInputs(settings.args, settings.source)
  if (settings.action === 'in-place') {
    const notFile = inputs.find((i) => i.file === undefined)
    if (notFile) throw new InputError({source: notFile.source}, '--in-place rewrites files only (not stdin or URLs)', {hint: 'pass file or directory paths, or drop --in-place'})
  }
  const results: StreamResult[] = []
  for (const input of inputs) {
    // Per-document texts are kept only when -o may convert the format.
    results.push(transformToStream(input.source, input.text, settings.op, settings.options, {documents: settings.output !== undefined, changes: settings.action === 'diff'}, settings.progress?.(input.text.length)))
    // The input text lives on only through the pieces that slice it.
    input.text = ''
  }
  const errors = results.flatMap((r) => r.errors)
  if (errors.length > 0) {
    return {stdout: [], stderr: transformErrors(errors), exitCode: settings.action === 'diff' || settings.action === 'check' ? ExitCode.usage : ExitCode.failed}
  }
  const report = (): string => results.map((r) => (settings.op === 'inject' ? r.report.injectText(settings.verbose) : r.report.uninjectText())).join('')
  const changed = results.filter((r) => r.changed)
  switch (settings.action) {
    case 'print':
      return {stdout: streamPieces(results, settings.output), stderr: report(), exitCode: ExitCode.ok}
    case 'diff':
      return {stdout: results.map((r) => unifiedDiff(r)), stderr: '', exitCode: changed.length > 0 ? 1 : 0}
    case 'check':
      return {stdout: changed.map((r) => `${r.source}\n`), stderr: '', exitCode: changed.length > 0 ? 1 : 0}
    case 'in-place':
      await writeInPlace(inputs, results, settings.output)
      return {stdout: [], stderr: report(), exitCode: ExitCode.ok}
  }
}

/** Each changed file is written to a temporary sibling, then renamed over the original (atomic). */
async function writeInPlace(inputs: Input[], results: StreamResult[], output: OutputFormat | undefined): Promise<void> {
  const writes = results.map((result, i) => ({result, file: inputs[i]!.file!})).filter(({result}) => result.changed || output !== undefined)
  for (const {result, file} of writes) {
    const text = renderInput(result, output)
    const tmp = join(dirname(file), `.${basename(file)}.meshport-${process.pid}.tmp`)
    const mode = (await stat(file)).mode
    try {
      await writeFile(tmp, text, {mode})
      await rename(tmp, file)
    } catch (error) {
      await unlink(tmp).catch(() => {})
      throw new InputError({source: file}, `cannot write: ${(error as Error).message}`)
    }
  }
}
