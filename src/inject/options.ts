// Turns parsed command-line flags into InjectOptions (validated; UsageError on bad values).
import {UsageError} from '../errors.js'
import {proxyOverrides} from '../mesh/inject-flags.js'
import type {InjectOptions, Path} from './types.js'
import {parseTemplatePathFlag} from './workloads.js'

export interface OptionFlags {
  [name: string]: unknown
  ingress?: boolean | undefined
  'pod-template-path'?: string[] | undefined
}

export function buildInjectOptions(flags: OptionFlags, env: NodeJS.ProcessEnv = process.env, mode = 'annotate'): InjectOptions {
  const podTemplatePaths = new Map<string, Path>()
  for (const value of flags['pod-template-path'] ?? []) {
    const parsed = parseTemplatePathFlag(value)
    if (parsed === undefined) {
      throw new UsageError(`invalid --pod-template-path "${value}": expected KIND=.path.to.template`, {hint: 'for example --pod-template-path Rollout=.spec.template or --pod-template-path example.com/Workload=.spec.podTemplate'})
    }
    podTemplatePaths.set(parsed[0], parsed[1])
  }
  return {
    mode,
    overrides: proxyOverrides({flags, registryEnv: env.LINKERD_DOCKER_REGISTRY}),
    ingress: flags.ingress === true,
    podTemplatePaths,
    tokenProjection: true,
    flags,
  }
}
