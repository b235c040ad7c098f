// The narrow pod shape the port rules read. Live pods (client-node objects) and pod templates found
// in manifests both fit it, so one implementation serves `diagnose ports`, `diagnose pod` and
// `check --proxy`.

export interface ContainerPortLike {
  containerPort?: number | undefined
  name?: string | undefined
  protocol?: string | undefined
  appProtocol?: string | undefined
}

export interface EnvVarLike {
  name: string
  value?: string | undefined
}

export interface ContainerLike {
  name?: string | undefined
  image?: string | undefined
  ports?: ContainerPortLike[] | null | undefined
  env?: EnvVarLike[] | null | undefined
  args?: string[] | null | undefined
  restartPolicy?: string | undefined
}

export interface PodLike {
  metadata?: {
    name?: string | undefined
    namespace?: string | undefined
    annotations?: Record<string, string> | null | undefined
    labels?: Record<string, string> | null | undefined
  } | null | undefined
  spec?: {
    containers?: ContainerLike[] | null | undefined
    initContainers?: ContainerLike[] | null | undefined
    hostNetwork?: boolean | null | undefined
  } | null | undefined
}
