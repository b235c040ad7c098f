// The credential values in the kubeconfig files in use (tokens, passwords, client keys), so the
// bundle can redact them by exact value wherever they might surface. Read with the yaml package,
// not client-node: this only needs the strings, and the bundle must not depend on their shape.
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'

import {parse} from 'yaml'

export function kubeconfigPaths(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (flag) return [flag]
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean)
  return [join(homedir(), '.kube', 'config')]
}

export function kubeconfigSecrets(paths: readonly string[]): string[] {
  const secrets: string[] = []
  for (const path of paths) {
    if (!existsSync(path)) continue
    let doc: unknown
    try {
      doc = parse(readFileSync(path, 'utf8'))
    } catch {
      continue
    }
    const users = (doc as {users?: Array<{user?: Record<string, unknown>}>} | null)?.users ?? []
    for (const {user} of users) {
      for (const key of ['token', 'password', 'client-key-data']) {
        const value = user?.[key]
        if (typeof value === 'string' && value.length > 0) secrets.push(value)
      }
    }
  }
  return secrets
}
