// The kube layer's error boundary: every method of the client it hands out rejects only with
// errors redact.ts has rewritten, and the Errors it returns inside results (proxyGetMany) are
// rewritten too. One wrapper at the edge instead of a redact call at every throw inside.
import {redactError} from './redact.js'
import type {KubeClient} from './types.js'

function cleanResult<T>(result: T): T {
  if (Array.isArray(result)) for (const item of result) if (item instanceof Error) redactError(item)
  return result
}

export function guarded(client: KubeClient): KubeClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]): unknown => {
        let result: unknown
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args)
        } catch (err) {
          throw redactError(err)
        }
        if (!(result instanceof Promise)) return result
        return result.then(cleanResult, (err: unknown) => {
          throw redactError(err)
        })
      }
    },
  })
}
