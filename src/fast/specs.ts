// The specs of the commands the fast path runs. Empty here: scripts/esbuild.mjs fills this module
// in when scripts/build.mjs bundles the fast path (from the built command classes, derive.ts).
// Run unbundled (dist/ as tsc writes it, or tsx), the fast path has no specs and always declines.
import type {FastSpecs} from './spec.js'

export const FAST_SPECS: FastSpecs | undefined = undefined
