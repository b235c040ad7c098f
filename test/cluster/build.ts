// Turns a scenario into the objects a real cluster would hold after `linkerd install` and the
// declared workloads: nodes, namespaces, owner chains (Deployment → ReplicaSet → Pod), pods as
// Linkerd's injector writes them with realistic status, services, endpoints, events, and one
// proxy model per meshed pod wired to its clients. Pure apart from the clock passed in.
import {CNI_LABELS, CNI_NAME, cniObjects} from './cni.js'
import {gatewayApiCrds} from './gateway-api.js'
import {adminPortOf, injectorConfig, injectPod, opaquePortsOf, skipInboundOf, type Injected} from './injected-pod.js'
import {CONTROL_PLANE_EXTRA_SERVICES, controlPlaneObjects, controlPlaneWorkloads} from './control-plane.js'
import {IpAllocator, safeSuffix, timestamp, uid} from './names.js'
import {controllerMetrics, controllerWorkload, CONTROLLER_ADMIN_PORT, multiclusterObjects, type LinkRuntime} from './multicluster.js'
import {createCertificate, makeLinkerdPki, type KeyPairCert, type LinkerdPki} from './pki.js'
import {inboundPolicy, type PolicyPod} from './proxy/policy.js'
import {flowShape, identityOf, type Endpoint, type ProxyModel} from './proxy/traffic.js'
import type {Fault, LinkerdSpec, Scenario, Traffic, WorkloadKind} from './scenario.js'
import {VIZ_NAMESPACE_LABELS, vizObjects, vizWorkloads} from './viz.js'

export type Json = Record<string, unknown>

/** A body (status 200), or a status and body. */
export type AppAnswer = string | {status: number; body: string}

export interface SimPod {
  /** Port of the proxy's admin server (container port `linkerd-admin`). */
  adminPort: number
  faults: Set<Fault>
  ip: string | undefined
  key: string
  meshed: boolean
  name: string
  namespace: string
  object: Json
  /** Lower-case owner kind as Linkerd labels it (`deployment`, `statefulset`, `daemonset`, `pod`) and its name. */
  owner: {kind: string; name: string}
  /** The pod's proxy, when meshed and running. */
  proxy: ProxyModel | undefined
  /** App container ports that accept connections (none while crash-looping or pending). */
  servedPorts: Set<number>
  /** pod-template-hash of Deployment pods. */
  templateHash: string | undefined
  /** What the pod's app ports answer by path (else `hello from <pod>`), e.g. a controller's /metrics. */
  appRoutes?: Record<string, () => AppAnswer>
  workload: {kind: WorkloadKind; name: string}
}

export interface SimCluster {
  linkerdPki: LinkerdPki | undefined
  objects: Json[]
  pods: Map<string, SimPod>
  scenario: Scenario
  startedAt: number
}

interface WorkloadInput {
  annotations: Record<string, string>
  /** The namespace's config.linkerd.io/* annotations, which the injector applies when the pod has none. */
  namespaceAnnotations: Record<string, string>
  componentReady: boolean
  containers: Json[]
  faults: Fault[]
  kind: WorkloadKind
  labels: Record<string, string>
  meshed: boolean
  name: string
  namespace: string
  replicas: number
  selector: Record<string, string>
  serviceAccount: string
  traffic: Traffic | undefined
  /** Extra labels on the workload object itself. */
  workloadLabels: Record<string, string>
}

interface BuiltWorkload {
  input: WorkloadInput
  pods: SimPod[]
  service: Endpoint['service']
}

const HOUR = 3_600_000

export interface BuildOptions {
  /** Linkerd's trust anchor, when another simulated cluster shares it. */
  trustAnchor?: KeyPairCert
  /** Per Link (target name): the running target cluster, for the multicluster objects. */
  links?: ReadonlyMap<string, Omit<LinkRuntime, 'leader'>>
}

export function buildCluster(scenario: Scenario, now = Date.now(), options: BuildOptions = {}): SimCluster {
  const objects: Json[] = []
  const pods = new Map<string, SimPod>()
  const ips = new IpAllocator()
  const created = now - 48 * HOUR
  const podCreated = now - 2 * HOUR
  const linkerd = scenario.linkerd
  const linkerdPki = linkerd ? makeLinkerdPki(linkerd.issuerCertValidHours, linkerd.trustDomain, now, linkerd.issuerIntermediate !== 'none', options.trustAnchor) : undefined
  const nodeNames = Array.from({length: scenario.nodes}, (_, i) => `sim-node-${i}`)

  const meta = (name: string, namespace: string | undefined, extra: Json = {}, at = created): Json => ({
    creationTimestamp: timestamp(at),
    name,
    ...(namespace ? {namespace} : {}),
    resourceVersion: '1',
    uid: uid(`${namespace ?? ''}/${name}/${typeof extra.kind === 'string' ? extra.kind : ''}`),
    ...extra,
  })

  // ---- nodes and built-in namespaces ------------------------------------------------------------
  nodeNames.forEach((name, i) => {
    objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(name, undefined, {labels: {'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(i === 0 ? {'node-role.kubernetes.io/control-plane': ''} : {})}}),
      spec: {podCIDR: `10.42.${i}.0/24`},
      status: {
        addresses: [
          {address: `172.18.0.${i + 2}`, type: 'InternalIP'},
          {address: name, type: 'Hostname'},
        ],
        allocatable: {cpu: '4', memory: '16Gi', pods: '110'},
        capacity: {cpu: '4', memory: '16Gi', pods: '110'},
        conditions: [{lastHeartbeatTime: timestamp(now), lastTransitionTime: timestamp(created), message: 'kubelet is posting ready status', reason: 'KubeletReady', status: 'True', type: 'Ready'}],
        nodeInfo: {architecture: 'amd64', containerRuntimeVersion: scenario.containerRuntime, kernelVersion: '6.8.0', kubeProxyVersion: scenario.kubernetesVersion, kubeletVersion: scenario.kubernetesVersion, operatingSystem: 'linux', osImage: 'Ubuntu 24.04 LTS'},
      },
    })
  })
  const namespace = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): void => {
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(name, undefined, {...(Object.keys(annotations).length > 0 ? {annotations} : {}), labels: {'kubernetes.io/metadata.name': name, ...labels}}),
      spec: {finalizers: ['kubernetes']},
      status: {phase: 'Active'},
    })
    objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default', name)})
    objects.push({apiVersion: 'v1', data: {'ca.crt': '-----BEGIN CERTIFICATE-----\n(simulated)\n-----END CERTIFICATE-----\n'}, kind: 'ConfigMap', metadata: meta('kube-root-ca.crt', name)})
  }
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) namespace(name)
  objects.push(...builtinApiServices(meta))
  objects.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('cluster-admin', undefined, {labels: {'kubernetes.io/bootstrapping': 'rbac-defaults'}}), rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {nonResourceURLs: ['*'], verbs: ['*']}]})

  // ---- workloads ---------------------------------------------------------------------------------
  const built: BuiltWorkload[] = []
  const addWorkload = (w: WorkloadInput, service?: {name: string; ports: Array<{name: string; port: number; targetPort: number}>; headless?: boolean; annotations?: Record<string, string>; labels?: Record<string, string>}): BuiltWorkload => {
    const result = buildWorkload(w)
    let svc: Endpoint['service']
    if (service) {
      const ip = ips.serviceIp()
      svc = {ip, name: service.name, port: service.ports[0]?.port ?? 80}
      objects.push(serviceObject(w.namespace, service.name, ip, service.ports, w.selector, meta, {annotations: service.annotations ?? {}, labels: service.labels ?? {}}))
      objects.push(...endpointObjects(w.namespace, service.name, service.ports, result.pods, meta))
    }
    const entry = {input: w, pods: result.pods, service: svc}
    built.push(entry)
    return entry
  }

  const buildWorkload = (w: WorkloadInput): {pods: SimPod[]} => {
    const hash = safeSuffix(`${w.namespace}/${w.name}/template`, 10)
    const kindLower = w.kind.toLowerCase()
    const template = {
      metadata: {annotations: w.annotations, labels: {...w.labels, ...w.selector}},
      spec: {containers: w.containers, serviceAccountName: w.serviceAccount},
    }
    const podOwners: Array<{apiVersion: string; kind: string; name: string}> = []
    let replicas = w.replicas
    const extraPodLabels: Record<string, string> = {}
    let ownerKind = kindLower
    let ownerName = w.name
    if (w.kind === 'Deployment') {
      const rsName = `${w.name}-${hash}`
      extraPodLabels['pod-template-hash'] = hash
      podOwners.push({apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName})
    } else if (w.kind === 'StatefulSet') {
      extraPodLabels['controller-revision-hash'] = `${w.name}-${hash}`
      podOwners.push({apiVersion: 'apps/v1', kind: 'StatefulSet', name: w.name})
    } else if (w.kind === 'DaemonSet') {
      replicas = nodeNames.length
      extraPodLabels['controller-revision-hash'] = hash
      extraPodLabels['pod-template-generation'] = '1'
      podOwners.push({apiVersion: 'apps/v1', kind: 'DaemonSet', name: w.name})
    } else if (w.kind === 'Job' || w.kind === 'CronJob') {
      // A CronJob's pods belong to the Job it last scheduled (named after the minute, like the
      // controller does); Linkerd labels them with that Job (linkerd.io/proxy-job).
      const jobName = w.kind === 'CronJob' ? `${w.name}-${Math.floor((now - 5 * 60_000) / 60_000)}` : w.name
      const jobUid = uid(`${w.namespace}/${jobName}/Job`)
      Object.assign(extraPodLabels, {'batch.kubernetes.io/controller-uid': jobUid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': jobUid, 'job-name': jobName})
      podOwners.push({apiVersion: 'batch/v1', kind: 'Job', name: jobName})
      ownerKind = 'job'
      ownerName = jobName
    } else {
      ownerKind = 'pod'
      ownerName = w.name
    }

    // Replicas share one injected spec, as pods from one template do (and it keeps 500 pods fast).
    const injected = w.meshed && linkerd && linkerdPki ? injectPod({annotations: w.annotations, containers: w.containers, namespaceAnnotations: w.namespaceAnnotations, linkerd, namespace: w.namespace, ownerKind, ownerName, trustAnchorPem: linkerdPki.trustAnchor.certPem}) : undefined
    const simPods: SimPod[] = []
    for (let i = 0; i < replicas; i++) {
      const podName =
        w.kind === 'Pod' ? w.name : w.kind === 'StatefulSet' ? `${w.name}-${i}` : w.kind === 'Deployment' ? `${w.name}-${hash}-${safeSuffix(`${w.namespace}/${w.name}/${i}`, 5)}` : `${w.kind === 'CronJob' ? ownerName : w.name}-${safeSuffix(`${w.namespace}/${w.name}/${i}`, 5)}`
      simPods.push(buildPod(w, podName, i, {...extraPodLabels, ...(w.kind === 'StatefulSet' ? {'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': podName} : {})}, podOwners, ownerKind, ownerName, hash, injected))
    }
    const ready = simPods.filter((p) => isReady(p.object)).length
    const workloadMeta = (name: string, kind: string): Json => meta(name, w.namespace, {generation: 1, kind, labels: {...w.workloadLabels, ...w.selector}})
    const selector = {matchLabels: w.selector}
    if (w.kind === 'Deployment') {
      const rsName = `${w.name}-${hash}`
      const deployment = workloadMeta(w.name, 'Deployment')
      deployment.annotations = {'deployment.kubernetes.io/revision': '1'}
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: deployment,
        spec: {progressDeadlineSeconds: 600, replicas: w.replicas, revisionHistoryLimit: 10, selector, strategy: {rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}, type: 'RollingUpdate'}, template},
        status: {
          availableReplicas: ready,
          conditions: [
            {lastTransitionTime: timestamp(created), lastUpdateTime: timestamp(created), message: ready >= w.replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', reason: ready >= w.replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', status: ready >= w.replicas ? 'True' : 'False', type: 'Available'},
            {lastTransitionTime: timestamp(created), lastUpdateTime: timestamp(created), message: `ReplicaSet "${rsName}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing'},
          ],
          observedGeneration: 1,
          readyReplicas: ready,
          replicas: w.replicas,
          unavailableReplicas: w.replicas - ready > 0 ? w.replicas - ready : undefined,
          updatedReplicas: w.replicas,
        },
      })
      const rsMeta = meta(rsName, w.namespace, {
        annotations: {'deployment.kubernetes.io/desired-replicas': String(w.replicas), 'deployment.kubernetes.io/max-replicas': String(Math.ceil(w.replicas * 1.25)), 'deployment.kubernetes.io/revision': '1'},
        generation: 1,
        kind: 'ReplicaSet',
        labels: {...w.selector, 'pod-template-hash': hash},
        ownerReferences: [ownerRef('apps/v1', 'Deployment', w.name, w.namespace)],
      })
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: rsMeta,
        spec: {replicas: w.replicas, selector: {matchLabels: {...w.selector, 'pod-template-hash': hash}}, template: {...template, metadata: {...template.metadata, labels: {...template.metadata.labels, 'pod-template-hash': hash}}}},
        status: {availableReplicas: ready, fullyLabeledReplicas: w.replicas, observedGeneration: 1, readyReplicas: ready, replicas: w.replicas},
      })
    } else if (w.kind === 'StatefulSet') {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: workloadMeta(w.name, 'StatefulSet'),
        spec: {podManagementPolicy: 'OrderedReady', replicas: w.replicas, selector, serviceName: w.name, template, updateStrategy: {type: 'RollingUpdate'}},
        status: {availableReplicas: ready, currentReplicas: w.replicas, currentRevision: `${w.name}-${hash}`, observedGeneration: 1, readyReplicas: ready, replicas: w.replicas, updateRevision: `${w.name}-${hash}`, updatedReplicas: w.replicas},
      })
    } else if (w.kind === 'Job' || w.kind === 'CronJob') {
      const jobName = ownerName
      const jobUid = uid(`${w.namespace}/${jobName}/Job`)
      const jobTemplate = {...template, spec: {...template.spec, restartPolicy: 'Never'}}
      const started = timestamp(now - 5 * 60_000)
      const jobMeta = meta(jobName, w.namespace, {kind: 'Job', labels: {...w.selector, 'batch.kubernetes.io/controller-uid': jobUid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': jobUid, 'job-name': jobName}})
      if (w.kind === 'CronJob') {
        jobMeta.ownerReferences = [ownerRef('batch/v1', 'CronJob', w.name, w.namespace)]
        objects.push({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: workloadMeta(w.name, 'CronJob'),
          spec: {concurrencyPolicy: 'Forbid', failedJobsHistoryLimit: 1, jobTemplate: {metadata: {}, spec: {backoffLimit: 6, template: jobTemplate}}, schedule: '*/5 * * * *', successfulJobsHistoryLimit: 3, suspend: false},
          status: {active: [{apiVersion: 'batch/v1', kind: 'Job', name: jobName, namespace: w.namespace, uid: jobUid}], lastScheduleTime: started},
        })
      }
      objects.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: jobMeta,
        spec: {backoffLimit: 6, completionMode: 'NonIndexed', completions: w.replicas, parallelism: w.replicas, selector: {matchLabels: {'batch.kubernetes.io/controller-uid': jobUid}}, suspend: false, template: jobTemplate},
        status: {active: simPods.filter((p) => p.ip).length, ready, startTime: started, terminating: 0, uncountedTerminatedPods: {}},
      })
    } else if (w.kind === 'DaemonSet') {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: workloadMeta(w.name, 'DaemonSet'),
        spec: {selector, template, updateStrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}, type: 'RollingUpdate'}},
        status: {currentNumberScheduled: replicas, desiredNumberScheduled: replicas, numberAvailable: ready, numberMisscheduled: 0, numberReady: ready, observedGeneration: 1, updatedNumberScheduled: replicas},
      })
    }
    return {pods: simPods}
  }

  const buildPod = (w: WorkloadInput, name: string, index: number, extraLabels: Record<string, string>, owners: Array<{apiVersion: string; kind: string; name: string}>, ownerKind: string, ownerName: string, hash: string, injected: Injected | undefined): SimPod => {
    const faults = new Set(w.faults)
    const pending = faults.has('podPending')
    const crashLooping = faults.has('podCrashLooping')
    const proxyDown = faults.has('proxyNotReady') || faults.has('adminUnreachable')
    const ip = pending ? undefined : ips.podIp()
    const node = pending ? undefined : nodeNames[(index + name.length) % nodeNames.length]
    let annotations: Record<string, string> = {...w.annotations}
    let labels: Record<string, string> = {...w.labels, ...w.selector, ...extraLabels}
    let initContainers: Json[] = []
    let volumes: Json[] = [{name: 'kube-api-access', projected: {defaultMode: 420, sources: [{serviceAccountToken: {expirationSeconds: 3607, path: 'token'}}]}}]
    const adminPort = adminPortOf(w.annotations, w.namespaceAnnotations)
    if (injected) {
      annotations = {...annotations, ...injected.annotations}
      labels = {...labels, ...injected.labels}
      initContainers = injected.initContainers
      volumes = [...volumes, ...injected.volumes]
    }
    const started = timestamp(podCreated)
    const running = (containerName: string, image: string, ready: boolean, restartCount = 0): Json => ({
      containerID: `containerd://${safeSuffix(`${w.namespace}/${name}/${containerName}`, 32)}`,
      image,
      imageID: `${image}@sha256:${safeSuffix(image, 16)}`,
      lastState: {},
      name: containerName,
      ready,
      restartCount,
      started: true,
      state: {running: {startedAt: started}},
    })
    // A notReady control-plane component: its main container fails readiness.
    const appReady = !crashLooping && w.componentReady
    const containerStatuses = w.containers.map((c) => {
      const image = String(c.image)
      const cname = String(c.name)
      if (pending) return {image, imageID: '', lastState: {}, name: cname, ready: false, restartCount: 0, started: false, state: {waiting: {reason: 'ContainerCreating'}}}
      if (crashLooping && c === w.containers[0]) {
        return {
          containerID: `containerd://${safeSuffix(`${w.namespace}/${name}/${cname}/dead`, 32)}`,
          image,
          imageID: `${image}@sha256:${safeSuffix(image, 16)}`,
          lastState: {terminated: {containerID: `containerd://${safeSuffix(`${w.namespace}/${name}/${cname}/old`, 32)}`, exitCode: 1, finishedAt: timestamp(now - 60_000), reason: 'Error', startedAt: timestamp(now - 62_000)}},
          name: cname,
          ready: false,
          restartCount: 12,
          started: false,
          state: {waiting: {message: `back-off 5m0s restarting failed container=${cname} pod=${name}_${w.namespace}(${uid(`${w.namespace}/${name}/Pod`)})`, reason: 'CrashLoopBackOff'}},
        }
      }
      return running(cname, image, appReady)
    })
    const initStatuses = initContainers.map((c) => {
      const cname = String(c.name)
      const image = String(c.image)
      if (pending) return {image, imageID: '', lastState: {}, name: cname, ready: false, restartCount: 0, started: false, state: {waiting: {reason: 'PodInitializing'}}}
      if (cname === 'linkerd-init') {
        return {
          containerID: `containerd://${safeSuffix(`${w.namespace}/${name}/init`, 32)}`,
          image,
          imageID: `${image}@sha256:${safeSuffix(image, 16)}`,
          lastState: {},
          name: cname,
          ready: true,
          restartCount: 0,
          started: false,
          state: {terminated: {containerID: `containerd://${safeSuffix(`${w.namespace}/${name}/init`, 32)}`, exitCode: 0, finishedAt: started, reason: 'Completed', startedAt: started}},
        }
      }
      return running(cname, image, !proxyDown)
    })
    const allReady = !pending && containerStatuses.every((s) => s.ready) && initStatuses.filter((s) => s.name !== 'linkerd-init').every((s) => s.ready)
    const unready = [...initStatuses.filter((s) => s.name !== 'linkerd-init' && !s.ready), ...containerStatuses.filter((s) => !s.ready)].map((s) => s.name)
    const cond = (type: string, ok: boolean, extra: Json = {}): Json => ({lastProbeTime: null, lastTransitionTime: started, status: ok ? 'True' : 'False', type, ...extra})
    const notReadyDetail = {message: `containers with unready status: [${unready.join(' ')}]`, reason: 'ContainersNotReady'}
    const status: Json = pending
      ? {
          conditions: [cond('PodScheduled', false, {message: `0/${nodeNames.length} nodes are available: ${nodeNames.length} Insufficient cpu. preemption: 0/${nodeNames.length} nodes are available: ${nodeNames.length} No preemption victims found for incoming pod.`, reason: 'Unschedulable'})],
          phase: 'Pending',
          qosClass: 'Burstable',
        }
      : {
          conditions: [
            cond('PodReadyToStartContainers', true),
            cond('Initialized', true),
            cond('Ready', allReady, allReady ? {} : notReadyDetail),
            cond('ContainersReady', allReady, allReady ? {} : notReadyDetail),
            cond('PodScheduled', true),
          ],
          containerStatuses,
          hostIP: `172.18.0.${nodeNames.indexOf(node as string) + 2}`,
          hostIPs: [{ip: `172.18.0.${nodeNames.indexOf(node as string) + 2}`}],
          ...(initStatuses.length > 0 ? {initContainerStatuses: initStatuses} : {}),
          phase: 'Running',
          podIP: ip,
          podIPs: [{ip}],
          qosClass: 'Burstable',
          startTime: started,
        }
    const object: Json = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...meta(name, w.namespace, {kind: 'Pod'}, podCreated),
        ...(Object.keys(annotations).length > 0 ? {annotations} : {}),
        ...(owners.length > 0 ? {generateName: w.kind === 'StatefulSet' ? `${w.name}-` : `${owners[0]?.name}-`} : {}),
        labels,
        ...(owners.length > 0 ? {ownerReferences: owners.map((o) => ownerRef(o.apiVersion, o.kind, o.name, w.namespace))} : {}),
      },
      spec: {
        containers: w.containers,
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        ...(initContainers.length > 0 ? {initContainers} : {}),
        ...(node ? {nodeName: node} : {}),
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: w.kind === 'Job' || w.kind === 'CronJob' ? 'Never' : 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        serviceAccount: w.serviceAccount,
        serviceAccountName: w.serviceAccount,
        terminationGracePeriodSeconds: 30,
        tolerations: [
          {effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300},
          {effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300},
        ],
        volumes,
      },
      status,
    }
    objects.push(object)
    const appPorts = w.containers.flatMap((c) => ((c.ports as Json[] | undefined) ?? []).map((p) => Number(p.containerPort)))
    const simPod: SimPod = {
      adminPort,
      faults,
      ip,
      key: `${w.namespace}/${name}`,
      meshed: w.meshed && linkerd !== undefined,
      name,
      namespace: w.namespace,
      object,
      owner: {kind: ownerKind, name: ownerName},
      proxy: undefined,
      servedPorts: new Set(pending || crashLooping ? [] : appPorts),
      templateHash: w.kind === 'Deployment' ? hash : undefined,
      workload: {kind: w.kind, name: w.name},
    }
    pods.set(simPod.key, simPod)
    return simPod
  }

  // kube-system: CoreDNS, unmeshed, so `get pods -A` looks like a real cluster.
  addWorkload(
    {
      annotations: {},
      componentReady: true,
      namespaceAnnotations: {},
      containers: [{args: ['-conf', '/etc/coredns/Corefile'], image: 'registry.k8s.io/coredns/coredns:v1.11.3', name: 'coredns', ports: [{containerPort: 53, name: 'dns', protocol: 'UDP'}, {containerPort: 53, name: 'dns-tcp', protocol: 'TCP'}, {containerPort: 9153, name: 'metrics', protocol: 'TCP'}]}],
      faults: [],
      kind: 'Deployment',
      labels: {},
      meshed: false,
      name: 'coredns',
      namespace: 'kube-system',
      replicas: 2,
      selector: {'k8s-app': 'kube-dns'},
      serviceAccount: 'coredns',
      traffic: undefined,
      workloadLabels: {},
    },
    {name: 'kube-dns', ports: [{name: 'dns-tcp', port: 53, targetPort: 53}]},
  )
  objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('coredns', 'kube-system')})
  // Every cluster's API server publishes its front-proxy client CA here; `check --pre` reads it
  // (Linkerd's pre-install check "can read extension-apiserver-authentication configmap").
  const frontProxyCa = createCertificate({isCa: true, notAfter: new Date(created + 3650 * 86_400_000), notBefore: new Date(created - 86_400_000), subject: {cn: 'front-proxy-ca'}}).certPem
  objects.push({
    apiVersion: 'v1',
    data: {'client-ca-file': frontProxyCa, 'requestheader-allowed-names': '["front-proxy-client"]', 'requestheader-client-ca-file': frontProxyCa, 'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]', 'requestheader-group-headers': '["X-Remote-Group"]', 'requestheader-username-headers': '["X-Remote-User"]'},
    kind: 'ConfigMap',
    metadata: meta('extension-apiserver-authentication', 'kube-system'),
  })

  objects.push(...gatewayApiCrds(scenario.gatewayApi, linkerd?.version, created))

  // Linkerd's control plane.
  if (linkerd && linkerdPki) {
    objects.push(...controlPlaneObjects(linkerd, linkerdPki, created))
    for (const sa of ['default']) objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(sa, linkerd.namespace)})
    for (const cp of controlPlaneWorkloads(linkerd)) {
      const selector = {'linkerd.io/control-plane-component': cp.component, 'linkerd.io/control-plane-ns': linkerd.namespace}
      const entry = addWorkload(
        {
          annotations: {'linkerd.io/created-by': `linkerd/helm ${linkerd.version}`},
          componentReady: linkerd.components[cp.component] !== 'notReady',
          namespaceAnnotations: {},
          containers: cp.containers.map((c) => ({...c, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePolicy: 'FallbackToLogsOnError'})),
          faults: [],
          kind: 'Deployment',
          labels: {'linkerd.io/proxy-deployment': cp.name, 'linkerd.io/workload-ns': linkerd.namespace},
          meshed: true,
          name: cp.name,
          namespace: linkerd.namespace,
          replicas: linkerd.replicas,
          selector,
          serviceAccount: cp.serviceAccount,
          traffic: undefined,
          workloadLabels: {'app.kubernetes.io/name': cp.component, 'app.kubernetes.io/part-of': 'Linkerd', 'app.kubernetes.io/version': linkerd.version},
        },
        {name: cp.serviceName, ports: cp.ports},
      )
      for (const extra of CONTROL_PLANE_EXTRA_SERVICES.filter((s) => s.component === cp.component)) {
        const ports = [{name: extra.portName, port: extra.port, targetPort: extra.targetPort}]
        objects.push(serviceObject(linkerd.namespace, extra.name, extra.headless ? 'None' : ips.serviceIp(), ports, selector, meta))
        objects.push(...endpointObjects(linkerd.namespace, extra.name, ports, entry.pods, meta))
      }
    }
  }

  // The viz extension, as `linkerd viz install` leaves it.
  const viz = scenario.extensions.viz
  if (viz && linkerd) {
    namespace(viz.namespace, VIZ_NAMESPACE_LABELS)
    for (const w of vizWorkloads(viz, linkerd)) {
      const containers = w.containers.map((c) => ({...c, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePolicy: 'FallbackToLogsOnError'}))
      const input: WorkloadInput = {annotations: w.annotations, componentReady: w.ready, containers, faults: [], kind: 'Deployment', labels: {}, meshed: true, name: w.name, namespace: viz.namespace, namespaceAnnotations: {}, replicas: 1, selector: w.selector, serviceAccount: w.serviceAccount, traffic: undefined, workloadLabels: w.workloadLabels}
      const entry = addWorkload(input, {name: w.name, ports: w.servicePorts})
      // Prometheus says whether it serves queries, as the real one does on /-/ready.
      if (w.component === 'prometheus') for (const pod of entry.pods) pod.appRoutes = {'/-/ready': () => (w.ready ? 'Prometheus Server is Ready.\n' : {body: 'Service Unavailable', status: 503})}
    }
    objects.push(...vizObjects(viz, linkerd, created))
  }

  // The linkerd-cni plugin: its objects, and its DaemonSet's pods (one per node, not meshed).
  const cni = linkerd?.cni
  if (cni) {
    namespace(cni.namespace, {...CNI_LABELS, 'config.linkerd.io/admission-webhooks': 'disabled'})
    objects.push(...cniObjects(cni, created))
    if (cni.daemonSet !== 'absent') {
      addWorkload({
        annotations: {},
        componentReady: cni.daemonSet === 'ready',
        namespaceAnnotations: {},
        containers: [{env: [{name: 'DEST_CNI_NET_DIR', valueFrom: {configMapKeyRef: {key: 'dest_cni_net_dir', name: 'linkerd-cni-config'}}}], image: `cr.l5d.io/linkerd/cni-plugin:v1.6.0`, imagePullPolicy: 'IfNotPresent', name: 'install-cni', resources: {}}],
        faults: [],
        kind: 'DaemonSet',
        labels: CNI_LABELS,
        meshed: false,
        name: CNI_NAME,
        namespace: cni.namespace,
        replicas: 1,
        selector: {'k8s-app': CNI_NAME},
        serviceAccount: CNI_NAME,
        traffic: undefined,
        workloadLabels: CNI_LABELS,
      })
    }
  }

  // The multicluster extension: its namespace, each Link's controller (meshed, serving the
  // gateway probe gauge on its admin port) and what the Link leaves in this cluster.
  const mc = scenario.multicluster
  if (mc && linkerd) {
    namespace(mc.namespace, {'linkerd.io/extension': 'multicluster'}, {'linkerd.io/inject': 'enabled'})
    const runtimes = new Map<string, LinkRuntime>()
    for (const link of mc.links) {
      const controller = controllerWorkload(link)
      let leader: string | undefined
      if (controller) {
        const labels = {'linkerd.io/extension': 'multicluster', component: controller.component, 'mirror.linkerd.io/cluster-name': link.name}
        const entry = addWorkload({
          annotations: {'linkerd.io/inject': 'enabled'},
          componentReady: link.controller !== 'notReady',
          namespaceAnnotations: {},
          containers: [{args: ['service-mirror', '-log-level=info', `-namespace=${mc.namespace}`, `-probe-service=probe-${link.name}`, link.name], image: `cr.l5d.io/linkerd/controller:${linkerd.version}`, name: controller.component === 'controller' ? 'controller' : 'service-mirror', ports: [{containerPort: CONTROLLER_ADMIN_PORT, name: 'ctrl-admin', protocol: 'TCP'}]}],
          faults: [],
          kind: 'Deployment',
          labels,
          meshed: true,
          name: controller.name,
          namespace: mc.namespace,
          replicas: 1,
          selector: {component: controller.component, 'mirror.linkerd.io/cluster-name': link.name},
          serviceAccount: controller.serviceAccount,
          traffic: undefined,
          workloadLabels: labels,
        })
        for (const pod of entry.pods) pod.appRoutes = {'/metrics': () => controllerMetrics(link)}
        leader = link.controller === 'notReady' ? undefined : entry.pods[0]?.name
      }
      runtimes.set(link.name, {kubeconfig: options.links?.get(link.name)?.kubeconfig, leader})
    }
    objects.push(...multiclusterObjects(mc, linkerd.version, runtimes, created, () => ips.serviceIp()))
  }

  // The scenario's namespaces and workloads.
  for (const ns of scenario.namespaces) {
    namespace(ns.name, ns.labels, ns.annotations)
    const accounts = new Set<string>()
    for (const w of ns.workloads) {
      const containers = w.containers.map((c) => ({
        image: `docker.io/simulated/${c.name}:v1`,
        imagePullPolicy: 'IfNotPresent',
        name: c.name,
        ports: c.ports.map((port, i) => ({containerPort: port, name: i === 0 ? 'http' : `port-${port}`, protocol: 'TCP'})),
        resources: {requests: {cpu: '100m', memory: '64Mi'}},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      }))
      const ports = w.containers.flatMap((c) => c.ports).map((port, i) => ({name: i === 0 ? 'http' : `port-${port}`, port, targetPort: port}))
      addWorkload(
        {
          annotations: w.annotations,
          componentReady: true,
          namespaceAnnotations: ns.annotations,
          containers,
          faults: w.faults,
          kind: w.kind,
          labels: w.labels,
          meshed: w.meshed,
          name: w.name,
          namespace: ns.name,
          replicas: w.replicas,
          selector: {app: w.name},
          serviceAccount: w.serviceAccount,
          traffic: w.traffic,
          workloadLabels: {},
        },
        ports.length > 0 ? {annotations: w.serviceAnnotations, labels: w.serviceLabels, name: w.name, ports} : undefined,
      )
      if (w.serviceAccount !== 'default') accounts.add(w.serviceAccount)
    }
    for (const sa of accounts) objects.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(sa, ns.name)})
  }

  wireTraffic(built, linkerd, scenario.objects)
  objects.push(...events(pods, now, meta))
  objects.push(...scenario.objects.map((o) => structuredClone(o)))
  return {linkerdPki, objects, pods, scenario, startedAt: now}
}

/** Ports of a Linkerd port-list annotation: `8080,9000-9010`. */
function portSet(value: string | undefined): Set<number> {
  const out = new Set<number>()
  for (const part of (value ?? '').split(',')) {
    const [a, b] = part.trim().split('-').map(Number) as [number, number | undefined]
    if (!Number.isInteger(a)) continue
    const end = b !== undefined && Number.isInteger(b) ? b : a
    for (let p = a; p <= end && p - a < 65536; p++) out.add(p)
  }
  return out
}

function ownerRef(apiVersion: string, kind: string, name: string, namespace: string): Json {
  return {apiVersion, blockOwnerDeletion: true, controller: true, kind, name, uid: uid(`${namespace}/${name}/${kind}`)}
}

function isReady(pod: Json): boolean {
  const conditions = ((pod.status as Json).conditions as Json[] | undefined) ?? []
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True')
}

type MetaFn = (name: string, namespace: string | undefined, extra?: Json, at?: number) => Json

function serviceObject(namespace: string, name: string, ip: string, ports: Array<{name: string; port: number; targetPort: number}>, selector: Record<string, string>, meta: MetaFn, extra: {annotations: Record<string, string>; labels: Record<string, string>} = {annotations: {}, labels: {}}): Json {
  const metadata = meta(name, namespace, {kind: 'Service'})
  if (Object.keys(extra.annotations).length > 0) metadata.annotations = extra.annotations
  if (Object.keys(extra.labels).length > 0) metadata.labels = extra.labels
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      clusterIP: ip,
      clusterIPs: [ip],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: ports.map((p) => ({name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort})),
      selector,
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: {loadBalancer: {}},
  }
}

function endpointObjects(namespace: string, name: string, ports: Array<{name: string; port: number; targetPort: number}>, pods: SimPod[], meta: MetaFn): Json[] {
  const ready = pods.filter((p) => p.ip && isReady(p.object))
  const notReady = pods.filter((p) => p.ip && !isReady(p.object))
  const address = (p: SimPod): Json => ({ip: p.ip, nodeName: (p.object.spec as Json).nodeName, targetRef: {kind: 'Pod', name: p.name, namespace, uid: (p.object.metadata as Json).uid}})
  const subset: Json = {ports: ports.map((p) => ({name: p.name, port: p.targetPort, protocol: 'TCP'}))}
  if (ready.length > 0) subset.addresses = ready.map(address)
  if (notReady.length > 0) subset.notReadyAddresses = notReady.map(address)
  return [
    {apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name, namespace, {kind: 'Endpoints', labels: {'endpoints.kubernetes.io/managed-by': 'endpoint-controller'}}), subsets: ready.length + notReady.length > 0 ? [subset] : []},
    {
      addressType: 'IPv4',
      apiVersion: 'discovery.k8s.io/v1',
      endpoints: [...ready, ...notReady].map((p) => ({
        addresses: [p.ip],
        conditions: {ready: isReady(p.object), serving: isReady(p.object), terminating: false},
        nodeName: (p.object.spec as Json).nodeName,
        targetRef: {kind: 'Pod', name: p.name, namespace, uid: (p.object.metadata as Json).uid},
      })),
      kind: 'EndpointSlice',
      metadata: meta(`${name}-${safeSuffix(`${namespace}/${name}/slice`, 5)}`, namespace, {
        kind: 'EndpointSlice',
        labels: {'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': name},
        ownerReferences: [{apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name, uid: uid(`${namespace}/${name}/Service`)}],
      }),
      ports: ports.map((p) => ({name: p.name, port: p.targetPort, protocol: 'TCP'})),
    },
  ]
}

/** Builds each meshed pod's proxy model: inbound flows per client workload, outbound flows on the clients. */
function wireTraffic(built: BuiltWorkload[], linkerd: LinkerdSpec | undefined, policyObjects: readonly Json[]): void {
  if (!linkerd) return
  const cp = linkerd.namespace
  const td = linkerd.trustDomain
  const byName = new Map(built.map((b) => [`${b.input.namespace}/${b.input.name}`, b]))
  const endpoint = (b: BuiltWorkload, p: SimPod, port: number): Endpoint => {
    return {
      ip: p.ip ?? '',
      meshed: p.meshed,
      name: p.name,
      namespace: p.namespace,
      ownerKind: p.owner.kind,
      ownerName: p.owner.name,
      podTemplateHash: p.templateHash,
      port,
      service: b.service,
      serviceAccount: b.input.serviceAccount,
    }
  }
  // Every meshed, scheduled pod has a proxy, even without traffic.
  for (const b of built) {
    for (const p of b.pods) {
      if (!p.meshed || !p.ip) continue
      const port = Number(((b.input.containers[0]?.ports as Json[] | undefined)?.[0]?.containerPort as number | undefined) ?? 8080)
      p.proxy = {
        adminPort: p.adminPort,
        controlPlaneNs: cp,
        inbound: [],
        outbound: [],
        pod: endpoint(b, p, port),
        ready: !p.faults.has('proxyNotReady'),
        trustDomain: td,
        version: linkerd.version.startsWith('edge-') || linkerd.version.startsWith('stable-') ? 'v2.366.0' : linkerd.version,
      }
    }
  }
  for (const server of built) {
    const t = server.input.traffic
    if (!t || t.rps <= 0) continue
    const clients = t.clients.map((c) => byName.get(c.includes('/') ? c : `${server.input.namespace}/${c}`))
    const sources = clients.length > 0 ? clients : [undefined]
    const share = 1 / sources.length
    const config = injectorConfig(server.input.annotations, server.input.namespaceAnnotations)
    const port = Number(((server.input.containers[0]?.ports as Json[] | undefined)?.[0]?.containerPort as number | undefined) ?? 8080)
    // Skipped inbound ports bypass the proxy; opaque ports are proxied as TCP without HTTP metrics.
    const skipped = portSet(skipInboundOf(config).join(',')).has(port)
    const opaque = portSet(opaquePortsOf(config, server.input.containers).join(',')).has(port)
    // What the policy controller serves the server's proxies: Servers and AuthorizationPolicies
    // from the scenario's objects, else the default policy (pod or namespace annotation, else the cluster's).
    const policyPod = (p: SimPod): PolicyPod => ({
      clusterNetworks: linkerd.clusterNetworks.split(',').map((n) => n.trim()),
      defaultPolicy: config['config.linkerd.io/default-inbound-policy'] ?? linkerd.defaultInboundPolicy,
      labels: ((p.object.metadata as Json).labels ?? {}) as Record<string, string>,
      namespace: p.namespace,
      ports: server.input.containers.flatMap((c) => ((c.ports as Json[] | undefined) ?? []).map((declared) => ({containerPort: Number(declared.containerPort), name: typeof declared.name === 'string' ? declared.name : ''}))),
    })
    for (const p of server.pods) {
      if (!p.ip) continue
      // An unmeshed server still has clients: their proxies get no identity for it from discovery.
      const target = p.proxy?.pod ?? endpoint(server, p, port)
      for (const [index, client] of sources.entries()) {
        const clientMeshed = client?.input.meshed === true
        const clientId = client && clientMeshed ? identityOf(client.input.serviceAccount, client.input.namespace, cp, td) : undefined
        const policy = p.proxy && !skipped ? inboundPolicy(policyObjects, policyPod(p), port, {identity: clientId, ip: client?.pods.find((c) => c.ip)?.ip}) : undefined
        if (p.proxy && policy) {
          // Whole connections per client, adding up to the declared count.
          const connections = Math.floor(t.tcpConnections / sources.length) + (index < t.tcpConnections % sources.length ? 1 : 0)
          p.proxy.inbound.push({...flowShape(t, share), clientId, connections, opaque, policy})
        }
        if (!client) continue
        const clientPods = client.pods.filter((c) => c.proxy)
        for (const c of clientPods) {
          c.proxy?.outbound.push({
            ...flowShape(t, share / clientPods.length),
            denied: policy !== undefined && policy.authz === undefined,
            opaque,
            serverId: p.proxy ? identityOf(server.input.serviceAccount, server.input.namespace, cp, td) : undefined,
            target,
          })
        }
      }
    }
  }
}

function events(pods: Map<string, SimPod>, now: number, meta: MetaFn): Json[] {
  const out: Json[] = []
  for (const p of pods.values()) {
    const involved = {apiVersion: 'v1', kind: 'Pod', name: p.name, namespace: p.namespace, uid: (p.object.metadata as Json).uid}
    const event = (reason: string, type: string, message: string, count: number): Json => ({
      apiVersion: 'v1',
      count,
      firstTimestamp: timestamp(now - 30 * 60_000),
      involvedObject: involved,
      kind: 'Event',
      lastTimestamp: timestamp(now - 30_000),
      message,
      metadata: meta(`${p.name}.${safeSuffix(`${p.key}/${reason}`, 16)}`, p.namespace, {kind: 'Event'}),
      reason,
      reportingComponent: reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet',
      source: {component: reason === 'FailedScheduling' ? 'default-scheduler' : 'kubelet'},
      type,
    })
    const conditions = ((p.object.status as Json).conditions as Json[] | undefined) ?? []
    if (p.faults.has('podPending')) out.push(event('FailedScheduling', 'Warning', typeof conditions[0]?.message === 'string' ? conditions[0].message : 'unschedulable', 8))
    if (p.faults.has('podCrashLooping')) {
      const container = String(((p.object.spec as Json).containers as Json[])[0]?.name)
      out.push(event('BackOff', 'Warning', `Back-off restarting failed container ${container} in pod ${p.name}_${p.namespace}(${String(involved.uid)})`, 57))
    }
    if (p.faults.has('proxyNotReady') || p.faults.has('adminUnreachable')) {
      const port = p.adminPort
      const detail = p.faults.has('adminUnreachable') ? `Get "http://${p.ip}:${port}/ready": dial tcp ${p.ip}:${port}: connect: connection refused` : 'HTTP probe failed with statuscode: 503'
      out.push(event('Unhealthy', 'Warning', `Readiness probe failed: ${detail}`, 40))
    }
  }
  return out
}

function builtinApiServices(meta: MetaFn): Json[] {
  const groups: Array<[string, string]> = [
    ['', 'v1'],
    ['admissionregistration.k8s.io', 'v1'],
    ['apiextensions.k8s.io', 'v1'],
    ['apiregistration.k8s.io', 'v1'],
    ['apps', 'v1'],
    ['authorization.k8s.io', 'v1'],
    ['batch', 'v1'],
    ['coordination.k8s.io', 'v1'],
    ['discovery.k8s.io', 'v1'],
    ['rbac.authorization.k8s.io', 'v1'],
  ]
  return groups.map(([group, version]) => ({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: meta(group ? `${version}.${group}` : version, undefined, {kind: 'APIService', labels: {'kube-aggregator.kubernetes.io/automanaged': 'onstart'}}),
    spec: {group, groupPriorityMinimum: 18000, version, versionPriority: 15},
    status: {conditions: [{lastTransitionTime: '2026-01-01T00:00:00Z', message: 'Local APIServices are always available', reason: 'Local', status: 'True', type: 'Available'}]},
  }))
}
