// "Did you mean" for mistyped command ids: the closest known id by edit distance, only when it is
// close enough to be a plausible typo (a random word should not suggest a random command).

/** Levenshtein distance (insert, delete, substitute; an adjacent swap counts as two). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The known ids nearest to `typed` (ties kept, in the given order), or none when even the nearest
 * needs more edits than a third of the longer word (at least 2).
 */
export function closestIds(typed: string, known: readonly string[]): string[] {
  let best = Number.POSITIVE_INFINITY
  let hits: string[] = []
  for (const id of known) {
    // A typed prefix of a longer id ("diag" -> "diagnose ...") is a match too.
    const distance = id.startsWith(typed) ? 0.5 : editDistance(typed, id)
    if (distance < best) {
      best = distance
      hits = [id]
    } else if (distance === best) {
      hits.push(id)
    }
  }
  const longest = Math.max(typed.length, ...hits.map((h) => h.length))
  return best <= Math.max(2, Math.floor(longest / 3)) ? hits : []
}

/**
 * The flags a mistyped one probably meant (at most three): a known flag whose name holds the typed
 * one or is held by it (`--proxy-image-pull-policy` → `--image-pull-policy`), else the nearest by
 * edit distance. `known` holds the flags as typed: `--name`, `-c`.
 */
export function closestFlags(typed: string, known: readonly string[]): string[] {
  if (!typed.startsWith('--')) return []
  const long = known.filter((f) => f.startsWith('--'))
  const name = typed.slice(2)
  const holds = long.filter((f) => {
    const other = f.slice(2)
    return Math.min(other.length, name.length) >= 4 && (name.includes(other) || other.includes(name))
  })
  if (holds.length > 0) {
    const gap = (f: string) => Math.abs(f.length - typed.length)
    const best = Math.min(...holds.map(gap))
    return holds.filter((f) => gap(f) === best).slice(0, 3)
  }
  return closestIds(typed, long).slice(0, 3)
}
