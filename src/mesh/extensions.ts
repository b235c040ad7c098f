// Linkerd extensions as `linkerd check` finds them (linkerd2 pkg/k8s/labels.go, viz and
// multicluster charts): each extension's namespace carries `linkerd.io/extension=<name>`, and
// so do the extension's own objects and pods.
export const EXTENSION_LABEL = 'linkerd.io/extension'
