// One error family for the whole CLI. Pure modules never throw these for expected outcomes (they
// return reports); the IO edges (sources, kube layer) and commands do. BaseCommand turns them into
// a one-line message, an optional hint and the exit code below.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  noCluster: 3,
  incomplete: 4,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface MeshErrorOptions {
  /** Stable, machine-readable error code, e.g. `KUBECONFIG_MISSING`. */
  code?: string
  /** What to do next, printed after the message. */
  hint?: string
  exitCode?: ExitCodeValue
  cause?: unknown
}

export class MeshError extends Error {
  readonly code: string
  readonly hint: string | undefined
  readonly exitCode: ExitCodeValue

  constructor(message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = options.code ?? 'FAILED'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.failed
  }
}

/** A flag or argument that makes no sense (exit 2, like oclif's own parse errors). */
export class UsageError extends MeshError {
  constructor(message: string, options: Omit<MeshErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'USAGE', ...options, exitCode: ExitCode.usage})
  }
}

/** Position inside an input: which file, which document (1-based), which line and column. */
export interface InputLocation {
  source: string
  document?: number
  line?: number
  column?: number
}

export function formatLocation(loc: InputLocation): string {
  let text = loc.source
  if (loc.document !== undefined) text += ` (document ${loc.document})`
  if (loc.line !== undefined) text += `:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`
  return text
}

/** Bad input: unreadable file, invalid YAML/JSON, a URL that failed (exit 1). */
export class InputError extends MeshError {
  readonly location: InputLocation

  constructor(location: InputLocation, message: string, options: Omit<MeshErrorOptions, 'exitCode'> = {}) {
    super(`${formatLocation(location)}: ${message}`, {code: 'BAD_INPUT', ...options, exitCode: ExitCode.failed})
    this.location = location
  }
}

/** Something named on the command line does not exist (kubectl's NotFound, exit 1): one error naming all of it. */
export class NotFoundError extends MeshError {
  constructor(what: readonly string[], options: Omit<MeshErrorOptions, 'exitCode' | 'code'> = {}) {
    super(`not found: ${what.join('; ')}`, {...options, code: 'NOT_FOUND', exitCode: ExitCode.failed})
  }
}

/** No usable cluster: missing/invalid kubeconfig, unknown context, unreachable API, 401/403 (exit 3). */
export class ClusterError extends MeshError {
  constructor(message: string, options: Omit<MeshErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'NO_CLUSTER', ...options, exitCode: ExitCode.noCluster})
  }
}

/** An API call that failed for a reason other than reachability or credentials (exit 1). */
export class KubeApiError extends MeshError {
  readonly status: number | undefined

  constructor(message: string, status?: number, options: Omit<MeshErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'KUBE_API', ...options, exitCode: ExitCode.failed})
    this.status = status
  }
}

/** Work that ran out of time (exit 4). */
export class TimeoutError extends MeshError {
  constructor(message: string, options: Omit<MeshErrorOptions, 'exitCode'> = {}) {
    super(message, {code: 'TIMEOUT', ...options, exitCode: ExitCode.incomplete})
  }
}

export function isMeshError(err: unknown): err is MeshError {
  return err instanceof MeshError
}

/** What a failure reports, as text on stderr and as the error document of JSON mode (docs/exit-codes.md). */
export interface ErrorInfo {
  code: string
  message: string
  hint?: string
  exitCode: number
}

/** Any thrown value as ErrorInfo: MeshErrors as they are, oclif's parse errors as usage errors, the rest as bugs. */
export function errorInfo(err: unknown): ErrorInfo {
  if (isMeshError(err)) return err.hint === undefined ? {code: err.code, message: err.message, exitCode: err.exitCode} : {code: err.code, message: err.message, hint: err.hint, exitCode: err.exitCode}
  const e = err as Error & {exitCode?: number; oclif?: {exit?: number}}
  const message = e instanceof Error ? e.message : String(err)
  const oclifExit = e?.oclif?.exit
  if (oclifExit !== undefined) return {code: oclifExit === ExitCode.usage ? 'USAGE' : 'FAILED', message, exitCode: oclifExit}
  return {code: 'INTERNAL', message, exitCode: e?.exitCode ?? ExitCode.failed}
}
