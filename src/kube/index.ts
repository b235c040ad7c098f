// Entry point of the kube layer, loaded with a lazy import() by openKube() (connect.ts) so that
// commands without a cluster (inject, uninject, --version) never load @kubernetes/client-node.
// Everything that leaves it, errors included, has passed the redaction boundary (guard.ts).
import {ClientNodeKube} from './client.js'
import {defaultExecIO} from './exec-credential.js'
import {guarded} from './guard.js'
import {loadKubeConfig} from './kubeconfig.js'
import {redactError} from './redact.js'
import {createPrometheusClient, type PrometheusOptions} from './prometheus.js'
import {ClusterTransport} from './transport.js'
import type {KubeClient, KubeOptions, PrometheusClient, PrometheusEndpoint} from './types.js'

export function createKubeClient(options: KubeOptions, env: NodeJS.ProcessEnv = process.env): KubeClient {
  try {
    const config = loadKubeConfig(options, env)
    const exec = {...defaultExecIO(env), onRun: options.onExecPlugin}
    const transport = new ClusterTransport(config, {env, exec})
    return guarded(new ClientNodeKube(transport, config.contextName, config.namespace, options.requestTimeoutMs, {onRetry: options.onRetry, scrapeVia: options.scrapeVia}))
  } catch (err) {
    throw redactError(err)
  }
}

/** A client of the Prometheus HTTP API (`--prometheus URL|auto`); its errors are redacted too. */
export function openPrometheus(endpoint: PrometheusEndpoint, options: PrometheusOptions): PrometheusClient {
  try {
    return createPrometheusClient(endpoint, options)
  } catch (err) {
    throw redactError(err)
  }
}

export {kubeClientFromText} from './remote.js'
export {kubeconfigContexts} from './contexts.js'
