// Keeps peak memory flat on huge streams (50,000 documents in about twice kubectl's memory).
// Two V8 behaviours dominate the peak, not our live data: the young generation doubles its
// semi-spaces (up to 2 x 16 MB) as results accumulate, and the old generation is allowed to grow
// to about twice the live data before a full collection. For large inputs we therefore stop the
// semi-space growth (a runtime-settable V8 flag) and run a full collection every few megabytes
// of input (a few ms each).
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import type {Progress} from './engine.js'

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

/** A progress callback that keeps the heap small, for inputs large enough to need it. */
export function compactingProgress(size: number): Progress | undefined {
  if (size < LARGE_INPUT) return undefined
  const gc = collector()
  // Frees the file buffer the input was decoded from before the transform starts allocating.
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
