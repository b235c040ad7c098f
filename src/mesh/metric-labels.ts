// Label names Linkerd puts on proxy series for a workload kind: viz's Prometheus copies the pod
// label `linkerd.io/proxy-<kind>` to `<kind>`, the destination controller names the endpoint's
// owner `dst_<kind>`, and a Job is `k8s_job` in both (linkerd/linkerd2 pkg/k8s/k8s.go KindToL5DLabel).

/** `deployment` → `deployment`, `job` → `k8s_job` (lower-case singular kind names). */
export function kindLabel(kind: string): string {
  return kind === 'job' ? 'k8s_job' : kind
}

/** The label on outbound series naming the destination's resource of that kind. */
export function dstKindLabel(kind: string): string {
  return kind === 'namespace' ? 'dst_namespace' : `dst_${kindLabel(kind)}`
}
