// The inject/uninject service behind both commands: read inputs, transform each, then produce
// stdout, stderr and the exit code for the chosen action (print, --diff, --check, --in-place).
// Nothing is written anywhere until every input has been read and transformed without error; a
// huge file's output is then produced by transforming it again as it is written, not held.
import {ExitCode, InputError} from '../errors.js'
import {unifiedDiff} from './diff.js'
import type {Operation} from './engine.js'
import {writeFilesInPlace} from './in-place.js'
import {leanCompilation, type MemoryPolicy} from './memory.js'
import {renderInput, streamPieces, type OutputFormat} from './output.js'
import {transformErrors} from './report.js'
import {inputSize, inputText, readInputs, type Input, type SourceOptions} from './source.js'
import {replayPieces, transformToStream, type StreamResult} from './stream.js'
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
  /** How to keep memory small on huge inputs (memory.ts), if at all. */
  memory?: MemoryPolicy | undefined
}

export interface RunOutcome {
  /** stdout in pieces to be written in order, some produced only as they are written (never one string of it all). */
  stdout: Iterable<string>
  stderr: string
  exitCode: number
}

export async function runManifests(settings: RunSettings): Promise<RunOutcome> {
  const memory = settings.memory
  const onSize = (size: number): void => {
    leanCompilation()
    memory?.expect(size)
  }
  const inputs = await readInputs(settings.args, {...settings.source, onSize})
  if (settings.action === 'in-place') {
    const notFile = inputs.find((i) => i.file === undefined)
    if (notFile) throw new InputError({source: notFile.source}, '--in-place rewrites files only (not stdin or URLs)', {hint: 'pass file or directory paths, or drop --in-place'})
  }
  const results: StreamResult[] = []
  for (const input of inputs) {
    const size = inputSize(input)
    // For -o with --in-place, the text as read tells a conversion that changes nothing.
    if (settings.action === 'in-place' && settings.output !== undefined) input.original = inputText(input)
    // A huge file printed in its own format is transformed twice: once now, for the report and
    // the errors, and again as its output is written (held, its output would double the memory).
    const parts = input.parts
    const twice = settings.action === 'print' && settings.output === undefined && !Array.isArray(parts) && memory?.transformsTwice(size) === true
    // Per-document texts are kept only when -o may convert the format. The transform reads the
    // input's parts as it goes (and empties a list of them): the input is freed as it is done.
    const needs = {documents: settings.output !== undefined, changes: settings.action === 'diff', unchanged: settings.action === 'in-place', pieces: !twice}
    const result = transformToStream(input.source, parts, settings.op, settings.options, needs, memory?.progress(size))
    if (twice) result.pieces = {[Symbol.iterator]: () => replayPieces(input.source, parts, settings.op, settings.options)}
    results.push(result)
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

/**
 * Rewrites each input whose bytes change (-o may convert a file that inject leaves alone), and
 * names every file in its report block: `file "k8s/web.yml" rewritten` or `... unchanged`.
 */
async function writeInPlace(inputs: Input[], results: StreamResult[], output: OutputFormat | undefined): Promise<void> {
  const files = results.map((result, i) => {
    const text = result.changed || output !== undefined ? renderInput(result, output) : undefined
    return {result, file: inputs[i]!.file!, text: text !== undefined && (result.changed || text !== inputs[i]!.original) ? text : undefined}
  })
  const written = new Set(await writeFilesInPlace(files.flatMap(({file, text}) => (text === undefined ? [] : [{file, text}]))))
  for (const {result, file, text} of files) result.report.line(`file "${file}" ${text !== undefined && written.has(file) ? 'rewritten' : 'unchanged'}`)
}
