// Keeps peak memory flat on huge streams. The transform allocates a short-lived tree per
// document while its results accumulate; V8 then lets the heap grow to about twice the live data
// before a full collection. For large inputs we run a full collection every few megabytes of
// input instead (a few ms each), which keeps the peak near the live data.
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import type {Progress} from './engine.js'

const LARGE_INPUT = 8 * 1024 * 1024
const EVERY = 4 * 1024 * 1024

let collect: (() => void) | undefined

function collector(): () => void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  return collect
}

/** A progress callback that collects garbage periodically, for inputs large enough to need it. */
export function compactingProgress(size: number): Progress | undefined {
  if (size < LARGE_INPUT) return undefined
  const gc = collector()
  let next = EVERY
  return (processed) => {
    if (processed < next) return
    gc()
    next = processed + EVERY
  }
}
