// Every JSON document a command writes on stdout goes through here: one document with two-space
// indentation and a trailing newline, or one line per document for streams (--watch). Failures in
// JSON mode are documents too: {schemaVersion, error: {code, message, hint?, exitCode}}
// (docs/exit-codes.md#errors-in-json-mode).
import type {ErrorInfo} from '../errors.js'

export interface JsonOptions {
  /** One document per line (JSON Lines), for outputs that keep writing documents. */
  lines?: boolean
}

export function jsonDocument(value: unknown, options: JsonOptions = {}): string {
  return `${JSON.stringify(value, null, options.lines ? undefined : 2)}\n`
}

/** The `error` member of every error document, in a fixed key order. */
export function errorJson(info: ErrorInfo): Record<string, unknown> {
  const error: Record<string, unknown> = {code: info.code, message: info.message}
  if (info.hint !== undefined) error.hint = info.hint
  error.exitCode = info.exitCode
  return error
}

export function renderErrorJson(info: ErrorInfo, options: JsonOptions = {}): string {
  return jsonDocument({schemaVersion: 1, error: errorJson(info)}, options)
}
