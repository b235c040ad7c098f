// The specs of the commands the fast path runs. Empty here: scripts/esbuild.mjs fills this module
// in when it bundles dist/fast.js (from the built command classes, scripts/fast-specs.mjs). Run
// unbundled (dist/ as tsc writes it, or tsx), the fast path has no specs and always declines.
import type {FastSpecs} from './spec.js'

export const FAST_SPECS: FastSpecs | undefined = undefined
