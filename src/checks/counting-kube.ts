// Counts the API calls checks make, so the run can report them and the benchmark can prove that
// the number of list calls does not grow with the number of pods.
import type {KubeClient} from '../kube/types.js'

export interface ApiCallStats {
  apiCalls: number
  listCalls: number
  /** Calls per method name, e.g. `listPods: 1`. */
  byMethod: Record<string, number>
}

/** Wraps a client so every method call is counted (port-forwards count as calls, not lists). */
export function countingKube(kube: KubeClient): {kube: KubeClient; stats: ApiCallStats} {
  const stats: ApiCallStats = {apiCalls: 0, listCalls: 0, byMethod: {}}
  const uncounted = new Set(['close'])
  const wrapped = new Proxy(kube, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string' || uncounted.has(property)) return value
      return (...args: unknown[]) => {
        stats.apiCalls++
        if (property.startsWith('list')) stats.listCalls++
        stats.byMethod[property] = (stats.byMethod[property] ?? 0) + 1
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {kube: wrapped, stats}
}
