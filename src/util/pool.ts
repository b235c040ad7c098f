// Concurrency-limited map: fan-out over pods must not open hundreds of port-forwards at once.
// Results keep input order; a rejected task rejects the whole map, so callers that want per-item
// failures catch inside `fn` and return them as values.
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  const workers = Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker)
  await Promise.all(workers)
  return results
}

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`; always clears its timer. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}
