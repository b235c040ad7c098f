// The virtual module scripts/build-binary.mjs writes into the single executable's bundle.
declare module 'meshport:bundled' {
  import type {Interfaces} from '@oclif/core'

  /** package.json as oclif reads it, with the explicit command strategy. */
  export const PACKAGE: Interfaces.PJSON
  /** The command map and the hooks, by their path relative to the root; evaluated on first call. */
  export function modules(): Record<string, unknown>
}
