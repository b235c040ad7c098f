// A Prometheus for unit tests of the Prometheus source: each query is answered with what a script
// returns for its text, stamped with one evaluation time, and remembered for assertions.
import type {PrometheusClient, PromSample} from '../../src/kube/types.js'

/** The evaluation time of every answer (seconds), unless a query asks for another. */
export const SCRIPTED_TIME = 1_700_000_000.25

export type ScriptedAnswer = Array<{labels: Record<string, string>; value: number}>

export type ScriptedPrometheus = PrometheusClient & {queries: Array<{promql: string; time: number | undefined}>}

export function scriptedPrometheus(answer: (promql: string) => ScriptedAnswer): ScriptedPrometheus {
  const queries: Array<{promql: string; time: number | undefined}> = []
  return {
    close: async () => {},
    label: 'http://prom.test',
    queries,
    async query(promql: string, time?: number): Promise<PromSample[]> {
      queries.push({promql, time})
      return answer(promql).map((s) => ({...s, time: time ?? SCRIPTED_TIME}))
    },
  }
}
