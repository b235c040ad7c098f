// A client for another cluster from a kubeconfig held as text, e.g. the credentials Secret of a
// multicluster Link, at its current context; built and guarded as the main client is.
import {ClientNodeKube} from './client.js'
import {defaultExecIO} from './exec-credential.js'
import {guarded} from './guard.js'
import {loadKubeConfigText} from './kubeconfig.js'
import {redactError} from './redact.js'
import {ClusterTransport} from './transport.js'
import type {KubeClient} from './types.js'

export function kubeClientFromText(text: string, source: string, requestTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): KubeClient {
  try {
    const config = loadKubeConfigText(text, source)
    const transport = new ClusterTransport(config, {env, exec: defaultExecIO(env)})
    return guarded(new ClientNodeKube(transport, config.contextName, config.namespace, requestTimeoutMs))
  } catch (err) {
    throw redactError(err)
  }
}
