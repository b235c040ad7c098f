// Keeps peak memory flat on huge streams. Two V8 behaviours dominate the peak, not our live data:
// the young generation doubles its semi-spaces (up to 2 x 16 MB) as an input's parts are read and
// results accumulate, and the old generation is allowed to grow to about twice the live data
// before a full collection. For large inputs we therefore stop the semi-space growth (a
// runtime-settable V8 flag) before reading them, and run a full collection every few megabytes
// of input (a few ms each). And a large file's output is not held at all: run.ts transforms it
// a second time as the output is written.
import type {Progress} from './engine.js'

// node:v8 and node:vm are loaded when a large input needs them: a small file's run never does.
const setFlagsFromString = (flags: string): void => process.getBuiltinModule('node:v8').setFlagsFromString(flags)
const runInNewContext = (code: string): unknown => process.getBuiltinModule('node:vm').runInNewContext(code)

const LARGE_INPUT = 8 * 1024 * 1024
const EVERY = 4 * 1024 * 1024

let collect: (() => void) | undefined

function collector(): () => void {
  if (collect === undefined) {
    // The young generation keeps its current size from here on (runtime-settable, unlike the
    // semi-space size itself); small inputs keep V8's defaults.
    setFlagsFromString('--semi-space-growth-factor=1')
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  return collect
}

let lean = false

/**
 * TurboFan without inlining, once an input of some size is announced (source.ts tells sizes from
 * 64 KiB). Measured on 5,000 and 50,000 documents (annotate and --manual): 15-20% less CPU and a
 * few MB less peak memory, because a run of a few seconds spends more compiling inlined code
 * than the inlining saves. Small inputs keep V8's defaults (and the fast path's code cache,
 * which V8 accepts only under the flags it was made with).
 */
export function leanCompilation(): void {
  if (lean) return
  lean = true
  setFlagsFromString('--no-turbo-inlining')
}

/** How a run keeps its memory small: told each input's size early, and the transform's progress. */
export interface MemoryPolicy {
  /** An input's size, as soon as it is known (before a file is read, as a stream grows). */
  expect(size: number): void
  /** The progress callback for the transform of an input of `size` characters. */
  progress(size: number): Progress | undefined
  /** Whether a file this large is transformed a second time as its output is written, rather than its output held. */
  transformsTwice(size: number): boolean
}

/** The policy for annotate mode and uninject, whose output is about the input's size. */
export const compacting: MemoryPolicy = {
  expect(size) {
    // Before the input's parts are allocated: they are what made the young generation grow.
    if (size >= LARGE_INPUT) collector()
  },
  progress: compactingProgress,
  transformsTwice: (size) => size >= LARGE_INPUT,
}

/** A progress callback that keeps the heap small, for inputs large enough to need it. */
function compactingProgress(size: number): Progress | undefined {
  if (size < LARGE_INPUT) return undefined
  const gc = collector()
  // Frees what reading left behind before the transform starts allocating.
  gc()
  let next = EVERY
  return (processed) => {
    if (processed < next) return
    gc()
    next = processed + EVERY
  }
}

/**
 * While a large output is written: collects every few megabytes (each 64 KiB batch becomes a
 * string and a buffer). Does nothing unless a large input turned collection on.
 */
export function writeProgress(): (written: number) => void {
  let next = EVERY
  return (written) => {
    if (collect === undefined || written < next) return
    collect()
    next = written + EVERY
  }
}
