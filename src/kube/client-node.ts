// Every run-time value meshport takes from @kubernetes/client-node, in one module. The build
// (scripts/build.mjs) replaces its compiled form with an esbuild bundle of just these exports:
// importing the package loads ~900 files and took 0.45–0.6 s of every cluster command; the
// bundle loads in ~0.1 s. The code that runs is the library's own, only packed into one file.
// Types still come from the package itself.
export {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  ApiregistrationV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
  KubeConfig,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
} from '@kubernetes/client-node'
