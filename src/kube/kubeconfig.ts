// Loads the kubeconfig the way kubectl chooses it (--kubeconfig, then $KUBECONFIG, then
// ~/.kube/config, then in-cluster), but refuses client-node's silent fallback to
// http://localhost:8080 and checks --context before using it (setCurrentContext does not).
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'

import {KubeConfig} from './client-node.js'

import {ClusterError} from '../errors.js'
import {KubeErrorCode, type KubeOptions} from './types.js'

export interface LoadedKubeConfig {
  contextName: string
  kc: KubeConfig
  server: string
  /** Where the config came from, for messages. */
  source: string
}

function load(_kc: KubeConfig, read: () => void, source: string): void {
  try {
    read()
  } catch (err) {
    throw new ClusterError(`cannot read kubeconfig ${source}: ${(err as Error).message.split('\n')[0] ?? ''}`, {
      cause: err,
      code: KubeErrorCode.badKubeconfig,
      hint: 'check that the file is a valid kubeconfig (kubectl config view)',
    })
  }
}

export function loadKubeConfig(options: Pick<KubeOptions, 'context' | 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
  const kc = new KubeConfig()
  let source: string
  if (options.kubeconfig) {
    source = options.kubeconfig
    if (!existsSync(source)) {
      throw new ClusterError(`kubeconfig file ${source} not found`, {code: KubeErrorCode.noKubeconfig, hint: 'pass the path of an existing kubeconfig with --kubeconfig'})
    }
    load(kc, () => kc.loadFromFile(source), source)
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '')
    const present = files.filter((f) => existsSync(f))
    source = `$KUBECONFIG (${files.join(delimiter)})`
    if (present.length === 0) {
      throw new ClusterError(`no kubeconfig file from $KUBECONFIG exists (${files.join(delimiter)})`, {code: KubeErrorCode.noKubeconfig, hint: 'fix $KUBECONFIG or pass --kubeconfig'})
    }
    // Merge like kubectl: every listed file that exists, the first file's current-context wins.
    load(kc, () => kc.loadFromFile(present[0] as string), present[0] as string)
    for (const file of present.slice(1)) {
      const more = new KubeConfig()
      load(more, () => more.loadFromFile(file), file)
      if (!kc.getCurrentContext()) kc.setCurrentContext(more.getCurrentContext())
      // Duplicate names: kubectl keeps the first definition (addX throws on duplicates).
      const keepFirst = (add: () => void): void => {
        try {
          add()
        } catch {
          // already defined by an earlier file
        }
      }
      for (const cluster of more.getClusters()) keepFirst(() => kc.addCluster(cluster))
      for (const user of more.getUsers()) keepFirst(() => kc.addUser(user))
      for (const context of more.getContexts()) keepFirst(() => kc.addContext(context))
    }
  } else {
    const home = join(env.HOME ?? homedir(), '.kube', 'config')
    if (existsSync(home)) {
      source = home
      load(kc, () => kc.loadFromFile(home), home)
    } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      source = 'in-cluster service account'
      load(kc, () => kc.loadFromCluster(), source)
    } else {
      throw new ClusterError('no kubeconfig found (no --kubeconfig, no $KUBECONFIG, no ~/.kube/config)', {
        code: KubeErrorCode.noKubeconfig,
        hint: 'point --kubeconfig or $KUBECONFIG at the cluster\'s kubeconfig',
      })
    }
  }

  const contextName = options.context ?? kc.getCurrentContext()
  if (!contextName) {
    throw new ClusterError(`kubeconfig ${source} has no current context`, {code: KubeErrorCode.unknownContext, hint: contextHint(kc)})
  }
  if (!kc.getContextObject(contextName)) {
    throw new ClusterError(`context "${contextName}" not found in kubeconfig ${source}`, {code: KubeErrorCode.unknownContext, hint: contextHint(kc)})
  }
  kc.setCurrentContext(contextName)
  const cluster = kc.getCurrentCluster()
  if (!cluster?.server) {
    throw new ClusterError(`context "${contextName}" has no cluster with a server URL`, {code: KubeErrorCode.badKubeconfig, hint: 'fix the context\'s cluster entry (kubectl config view)'})
  }
  if (!kc.getCurrentUser()) {
    throw new ClusterError(`context "${contextName}" has no user`, {code: KubeErrorCode.badKubeconfig, hint: 'fix the context\'s user entry (kubectl config view)'})
  }
  return {contextName, kc, server: cluster.server, source}
}

function contextHint(kc: KubeConfig): string {
  const names = kc.getContexts().map((c) => c.name)
  return names.length > 0 ? `use --context with one of: ${names.join(', ')}` : 'the kubeconfig defines no contexts'
}
