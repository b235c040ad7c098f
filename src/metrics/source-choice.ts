// Which source a viz run uses, decided once from --prometheus (or MESHPORT_PROMETHEUS_URL) and the
// window:
//
//   --prometheus URL     that Prometheus (viz's, Thanos, Mimir, a port-forwarded one, …)
//   --prometheus auto    Linkerd viz's Prometheus (Service `prometheus`, port 9090, in
//                        --viz-namespace) through the API server's services/proxy; an error when
//                        it is not there
//   --prometheus none    the proxies themselves, whatever the window
//   (nothing)            windows up to 1m: the proxies themselves (exact, and fresher than a
//                        Prometheus that scrapes every 10 s); longer ones: viz's Prometheus when
//                        it is installed, else the proxies up to 5m with a note saying how long it
//                        will take, and a refusal with a hint beyond that, never a silent hour
import {ClusterError, UsageError} from '../errors.js'
import {PrometheusErrorCode, type KubeClient} from '../kube/types.js'
import {VIZ_PROMETHEUS} from '../mesh/viz.js'

/** Windows up to this long are scraped directly unless --prometheus says otherwise. */
export const DIRECT_DEFAULT_MAX_MS = 60_000
/** Without any Prometheus, longer windows are refused unless --prometheus none insists. */
export const DIRECT_FALLBACK_MAX_MS = 5 * 60_000

export interface SourceSettings {
  /** --prometheus as given (or from the environment): a URL, `auto`, `none`, or undefined. */
  prometheus: string | undefined
  vizNamespace: string
  windowMs: number
  /** The window as the user wrote it (`1h`), for messages. */
  windowText: string
}

export type SourceChoice =
  | {kind: 'direct'; notice?: string}
  | {kind: 'url'; url: string; notice?: string}
  | {kind: 'service'; namespace: string; name: string; port: number; notice?: string}

export async function chooseSource(kube: KubeClient, settings: SourceSettings): Promise<SourceChoice> {
  const value = settings.prometheus?.trim()
  const window = settings.windowText
  if (value === 'none') {
    return settings.windowMs > DIRECT_DEFAULT_MAX_MS ? {kind: 'direct', notice: `Scraping each proxy twice, ${window} apart: this run takes ${window}.`} : {kind: 'direct'}
  }
  if (value === 'auto') {
    const found = await findVizPrometheus(kube, settings.vizNamespace)
    if (found) return found
    throw new ClusterError(`Linkerd viz's Prometheus not found: no Service ${VIZ_PROMETHEUS.service} in namespace ${settings.vizNamespace}`, {
      code: PrometheusErrorCode.notFound,
      hint: 'name the namespace Linkerd viz lives in with --viz-namespace, or another Prometheus with --prometheus URL',
    })
  }
  if (value !== undefined && value !== '') return {kind: 'url', url: value}
  if (settings.windowMs <= DIRECT_DEFAULT_MAX_MS) return {kind: 'direct'}
  const found = await findVizPrometheus(kube, settings.vizNamespace)
  if (found) return {...found, notice: `Using Linkerd viz's Prometheus (service ${found.namespace}/${found.name}:${found.port}) for the ${window} window; --prometheus none scrapes the proxies instead.`}
  if (settings.windowMs <= DIRECT_FALLBACK_MAX_MS) {
    return {kind: 'direct', notice: `No Prometheus given, and no Linkerd viz in ${settings.vizNamespace}: scraping each proxy twice, ${window} apart (this run takes ${window}).`}
  }
  throw new UsageError(`a ${window} window needs a Prometheus: scraping the proxies directly would take ${window}, and there is no Linkerd viz in ${settings.vizNamespace}`, {
    hint: `give --prometheus URL (or MESHPORT_PROMETHEUS_URL), --viz-namespace if Linkerd viz lives elsewhere, or --prometheus none to wait ${window}`,
  })
}

/** viz's Prometheus Service, when it exists (a Service we may not read counts as absent). */
async function findVizPrometheus(kube: KubeClient, namespace: string): Promise<Extract<SourceChoice, {kind: 'service'}> | undefined> {
  let service
  try {
    service = await kube.getService(namespace, VIZ_PROMETHEUS.service)
  } catch {
    return undefined
  }
  if (!service) return undefined
  const ports = service.spec?.ports ?? []
  const port = ports.find((p) => p.port === VIZ_PROMETHEUS.port) ?? ports[0]
  return {kind: 'service', name: VIZ_PROMETHEUS.service, namespace, port: port?.port ?? VIZ_PROMETHEUS.port}
}
