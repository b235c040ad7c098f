// Everything `diagnose pod` knows about one pod, collected once (src/diagnose/collect-pod.ts) and
// read by the pure rule modules. Fields are undefined when they could not be read, so rules can
// say "unknown" instead of guessing.
import type {V1MutatingWebhookConfiguration, V1Namespace, V1Pod} from '../kube/types.js'

export interface ProbeResult {
  /** HTTP status, when the admin server answered. */
  status?: number
  body?: string
  /** Why there was no answer (port-forward refused, timeout, ...). */
  error?: string
  /** The error is --request-timeout running out (a stall): the endpoint's state is unknown. */
  timedOut?: true
}

export interface OwnerInfo {
  kind: string
  name: string
  /** Annotations of the owner's pod template (what new pods would get). */
  templateAnnotations?: Record<string, string>
}

export interface PodSnapshot {
  pod: V1Pod
  /** undefined: the namespace could not be read. */
  namespace: V1Namespace | undefined
  /** The top-most owner (Deployment, StatefulSet, CronJob, ...), when the pod has one. */
  owner?: OwnerInfo
  linkerdNamespace: string
  injector: {
    /** undefined: no Linkerd proxy-injector webhook configuration found (or not readable). */
    webhook: V1MutatingWebhookConfiguration | undefined
    webhookReadable: boolean
    pods: V1Pod[]
  }
  /** The control plane's version (linkerd-config linkerdVersion, else its pods' proxy-version). */
  controlPlaneVersion?: string
  admin?: {
    port: number
    ready?: ProbeResult
    live?: ProbeResult
    metrics?: ProbeResult
  }
}
