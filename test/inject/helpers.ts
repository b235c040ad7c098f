// Runs the engine the way the commands do, on text, for unit tests.
import type {Operation} from '../../src/inject/engine.js'
import {buildInjectOptions} from '../../src/inject/options.js'
import {transformToStream} from '../../src/inject/stream.js'
import type {InjectOptions} from '../../src/inject/types.js'

export interface Run {
  out: string
  report: string
  errors: string[]
  changed: boolean
}

export function options(flags: Record<string, unknown> = {}): InjectOptions {
  return buildInjectOptions(flags, {})
}

export function run(op: Operation, text: string, opts: InjectOptions = options(), verbose = false): Run {
  const r = transformToStream('test.yml', text, op, opts)
  return {out: [...r.pieces].join(''), report: op === 'inject' ? r.report.injectText(verbose) : r.report.uninjectText(), errors: r.errors, changed: r.changed}
}

export const inject = (text: string, flags: Record<string, unknown> = {}): Run => run('inject', text, options(flags))
export const uninject = (text: string): Run => run('uninject', text)
