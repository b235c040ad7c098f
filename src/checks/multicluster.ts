// What the multicluster checks share: whether the extension is installed, the Links (read once
// per snapshot), a Link's target cluster through its credentials Secret, and label matching for
// the objects the service mirror makes.
import {ANNOTATION, LABEL} from '../mesh/names.js'
import type {CustomObject, KubeClient, V1Namespace} from '../kube/types.js'
import {CREDENTIALS_KEY, LINK_CRD, LINK_GROUP, LINK_PLURAL, LINK_VERSION, MULTICLUSTER_EXTENSION, MULTICLUSTER_LEGACY_EXTENSION} from '../mesh/multicluster.js'
import type {CheckContext} from './context.js'
import {secretText} from './linkerd.js'
import type {CheckScope} from './types.js'

export interface Link {
  name: string
  namespace: string
  /** spec.targetClusterName: how every other object names the link. */
  target: string
  targetLinkerdNamespace: string
  credentialsSecret: string
  gatewayAddress: string
  probePath: string
  /** `linkerd.io/created-by`, e.g. `linkerd/cli edge-26.8.3`. */
  createdBy: string | undefined
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

export function parseLink(object: CustomObject): Link {
  const spec = (object.spec ?? {}) as Record<string, unknown>
  const probe = (spec.probeSpec ?? {}) as Record<string, unknown>
  return {
    name: object.metadata?.name ?? '?',
    namespace: object.metadata?.namespace ?? '?',
    target: text(spec.targetClusterName),
    targetLinkerdNamespace: text(spec.targetClusterLinkerdNamespace) || 'linkerd',
    credentialsSecret: text(spec.clusterCredentialsSecret),
    gatewayAddress: text(spec.gatewayAddress),
    probePath: text(probe.path),
    createdBy: object.metadata?.annotations?.[ANNOTATION.createdBy],
  }
}

/** The extension's namespace (labelled `linkerd.io/extension=multicluster`, or the pre-2.10 name). */
export async function multiclusterNamespace(ctx: CheckContext, scope: CheckScope): Promise<V1Namespace | undefined> {
  const namespaces = await scope.waitFor('namespaces', ctx.snapshot.namespaces())
  const label = (ns: V1Namespace) => ns.metadata?.labels?.[LABEL.extension]
  return namespaces.find((ns) => label(ns) === MULTICLUSTER_EXTENSION) ?? namespaces.find((ns) => label(ns) === MULTICLUSTER_LEGACY_EXTENSION)
}

export const NOT_INSTALLED = `the multicluster extension is not installed (no namespace labelled ${LABEL.extension}=${MULTICLUSTER_EXTENSION})`

/** Whether the Link CRD serves the version the extension uses. */
export async function linkCrdServed(ctx: CheckContext, scope: CheckScope): Promise<boolean> {
  const crd = (await scope.waitFor('customresourcedefinitions', ctx.snapshot.crds())).find((c) => c.metadata?.name === LINK_CRD)
  return crd?.spec.versions.some((v) => v.name === LINK_VERSION && v.served) === true
}

/** Every Link of the cluster, read once per snapshot. */
export function links(ctx: CheckContext, scope: CheckScope): Promise<Link[]> {
  return scope.waitFor('links', ctx.snapshot.shared('links', async () => (await ctx.kube.listCustom(LINK_GROUP, LINK_VERSION, LINK_PLURAL)).map(parseLink)))
}

/** A Link's target cluster: the client built from its credentials Secret (one per run). */
export function remoteClient(ctx: CheckContext, scope: CheckScope, link: Link): Promise<KubeClient> {
  const source = `secret/${link.credentialsSecret} in ${link.namespace}`
  return scope.waitFor(
    `${source} (link ${link.target})`,
    ctx.snapshot.shared(`remote/${link.namespace}/${link.credentialsSecret}`, async () => {
      const secret = await ctx.snapshot.secret(link.namespace, link.credentialsSecret)
      if (!secret) throw new Error(`${source} not found`)
      const kubeconfig = secretText(secret, CREDENTIALS_KEY)
      if (!kubeconfig) throw new Error(`${source} has no "${CREDENTIALS_KEY}" key`)
      return ctx.remotes.client(source, kubeconfig)
    }),
  )
}

/** Whether `labels` carry `key` (any value), or `key=value` when a value is given. */
export const hasLabel = (labels: Record<string, string> | undefined, key: string, value?: string): boolean =>
  labels !== undefined && key in labels && (value === undefined || labels[key] === value)

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
