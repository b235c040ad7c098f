// A counting semaphore: at most `limit` tasks at once across every check of a run, so checks that
// probe proxies in parallel still open no more than --concurrency port-forwards together.
export class Limiter {
  private active = 0
  private peak = 0
  private readonly queue: Array<() => void> = []

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency must be at least 1, got ${limit}`)
  }

  /** Highest number of tasks that ran at once (tests and the benchmark read it). */
  get maxActive(): number {
    return this.peak
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      // The finishing task hands its slot over, so `active` is not decremented in between.
      await new Promise<void>((resolve) => this.queue.push(resolve))
    } else {
      this.active++
    }
    this.peak = Math.max(this.peak, this.active)
    try {
      return await task()
    } finally {
      const next = this.queue.shift()
      if (next) next()
      else this.active--
    }
  }
}
