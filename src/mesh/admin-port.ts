// Where a meshed pod's proxy serves /metrics, /ready and /live: the container port named
// `linkerd-admin` (on the proxy, which is an init container when it runs as a native sidecar),
// else Linkerd's default 4191.
import {PROXY_PORT_NAMES, PROXY_PORTS} from './ports.js'

interface ContainerPortLike {
  containerPort?: number
  name?: string
}
interface ContainerLike {
  ports?: ContainerPortLike[] | null
}
export interface PodSpecLike {
  containers?: ContainerLike[] | null
  initContainers?: ContainerLike[] | null
}

export function adminPort(spec: PodSpecLike | undefined): number {
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const port of container.ports ?? []) {
      if (port.name === PROXY_PORT_NAMES.admin && typeof port.containerPort === 'number') return port.containerPort
    }
  }
  return PROXY_PORTS.admin
}
