// Transports (src/kube/transport.ts) for tests of the kube layer's pieces: from a kubeconfig file,
// or from a literal cluster and user, e.g. for a small TLS server a test stands up itself.
import type {UserConfig} from '../../src/kube/kubeconfig.js'
import {loadKubeConfig, type ClusterConfig, type LoadedKubeConfig} from '../../src/kube/kubeconfig.js'
import {ClusterTransport, type TransportOptions} from '../../src/kube/transport.js'

export function transportFor(kubeconfig: string, context?: string, options: TransportOptions = {}): ClusterTransport {
  return new ClusterTransport(loadKubeConfig({context, kubeconfig}), options)
}

const noUser: UserConfig = {authProvider: undefined, cert: undefined, exec: undefined, impersonate: undefined, key: undefined, name: 'u', password: undefined, token: undefined, tokenFile: undefined, username: undefined}

/** A loaded kubeconfig for `server` with a token user (`sekret`) unless `user` says otherwise. */
export function loadedConfig(server: string, options: {cluster?: Partial<ClusterConfig>; user?: Partial<UserConfig>} = {}): LoadedKubeConfig {
  return {
    cluster: {ca: undefined, execExtension: undefined, insecureSkipTlsVerify: false, name: 'c', proxyUrl: undefined, server, tlsServerName: undefined, ...options.cluster},
    contextName: 'x',
    namespace: 'default',
    source: 'test',
    user: {...noUser, token: 'sekret', ...options.user},
  }
}

export function transportTo(server: string, options: {cluster?: Partial<ClusterConfig>; user?: Partial<UserConfig>} & TransportOptions = {}): ClusterTransport {
  return new ClusterTransport(loadedConfig(server, options), options)
}
