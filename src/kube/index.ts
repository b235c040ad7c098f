// Entry point of the kube layer, loaded with a lazy import() by ClusterCommand.kube() so that
// commands without a cluster (inject, uninject, --version) never load @kubernetes/client-node.
import {ClientNodeKube} from './client.js'
import {loadKubeConfig} from './kubeconfig.js'
import type {KubeClient, KubeOptions} from './types.js'

export function createKubeClient(options: KubeOptions, env: NodeJS.ProcessEnv = process.env): KubeClient {
  const {contextName, kc, server} = loadKubeConfig(options, env)
  return new ClientNodeKube(kc, contextName, server, options.requestTimeoutMs)
}
