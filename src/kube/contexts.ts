// The context names of the kubeconfig kubectl would read (--kubeconfig, else every file of
// $KUBECONFIG, else ~/.kube/config), for completing --context. Unreadable files give none.
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'

import {KubeConfig} from './client-node.js'

export function kubeconfigContexts(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const files = kubeconfig ? [kubeconfig] : env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter((f) => f !== '') : [join(env.HOME ?? homedir(), '.kube', 'config')]
  const names = new Set<string>()
  for (const file of files) {
    if (!existsSync(file)) continue
    try {
      const kc = new KubeConfig()
      kc.loadFromFile(file)
      for (const context of kc.getContexts()) names.add(context.name)
    } catch {
      // not a kubeconfig: nothing to offer from it
    }
  }
  return [...names]
}
