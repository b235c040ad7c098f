// One `viz edges` answer: the plan from the API (edges-plan.ts), the connection gauges from the
// run's source (each proxy scraped once, or a Prometheus queried at one instant: source.ts), and
// the edges they show, computed the same way whatever the source.
import type {KubeClient} from '../kube/types.js'
import type {Edge} from './edges.js'
import {edgesOf, isEdgesStop, planEdges, type EdgesRequest} from './edges-plan.js'
import type {PodError} from './report.js'
import type {MetricsSource, SourceInfo} from './source.js'

export type {EdgesRequest} from './edges-plan.js'

export interface EdgesRun {
  edges: Edge[]
  podsTargeted: number
  podsScraped: number
  errors: PodError[]
  warnings: string[]
  /** A custom type that no pod's owner chain has (a typo). */
  unknownType: boolean
  /** What the request names that does not exist (`namespace shop`): nothing was read. */
  notFound: string[]
  /** Where the gauges came from; undefined when nothing was read. */
  source: SourceInfo | undefined
}

export async function runEdges(kube: KubeClient, request: EdgesRequest, source: MetricsSource): Promise<EdgesRun> {
  const plan = await planEdges(kube, request)
  if (isEdgesStop(plan)) return {...plan, edges: [], errors: [], podsScraped: 0, podsTargeted: 0, source: undefined, warnings: []}
  const reading = await source.edges(plan)
  return {
    edges: edgesOf(plan, reading.gauges),
    errors: reading.errors,
    notFound: [],
    podsScraped: reading.podsScraped,
    podsTargeted: reading.podsTargeted,
    source: reading.source,
    unknownType: false,
    warnings: [...plan.warnings, ...reading.warnings],
  }
}
