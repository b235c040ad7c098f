// linkerd-extension-checks: `linkerd check` finds each installed extension (viz, multicluster,
// jaeger, ...) by the namespace labelled `linkerd.io/extension=<name>`. Two namespaces with the
// same label make it pick one at random; a namespace that holds an extension's pods without the
// label hides the extension from `linkerd check` and its CLI.
import {LABEL} from '../../mesh/names.js'
import type {CheckContext} from '../context.js'
import {fail, pass, type Category} from '../types.js'

export const linkerdExtensions: Category<CheckContext> = {
  id: 'linkerd-extension-checks',
  name: 'linkerd-extension-checks',
  checks: [
    {
      id: 'namespace-labels',
      description: 'namespace configuration for extensions',
      severity: 'warning',
      hint: 'l5d-extension-namespaces',
      async run(ctx, scope) {
        const [namespaces, pods] = await Promise.all([scope.waitFor('namespaces', ctx.snapshot.namespaces()), scope.waitFor('pods in all namespaces', ctx.snapshot.allPods())])
        const byExtension = new Map<string, string[]>()
        for (const ns of namespaces) {
          const extension = ns.metadata?.labels?.[LABEL.extension]
          if (extension !== undefined) byExtension.set(extension, [...(byExtension.get(extension) ?? []), ns.metadata?.name ?? '?'])
        }
        const problems = [...byExtension].filter(([, names]) => names.length > 1).map(([extension, names]) => `label "${LABEL.extension}=${extension}" is present on more than one namespace:\n${names.map((n) => `\t\t* ${n}`).join('\n')}`)
        const labels = new Map(namespaces.map((ns) => [ns.metadata?.name, ns.metadata?.labels?.[LABEL.extension]]))
        const unlabelled = new Map<string, string>()
        for (const pod of pods) {
          const extension = pod.metadata?.labels?.[LABEL.extension]
          const ns = pod.metadata?.namespace ?? '?'
          if (extension !== undefined && labels.get(ns) !== extension && !byExtension.has(extension)) unlabelled.set(ns, extension)
        }
        for (const [ns, extension] of unlabelled) problems.push(`namespace ${ns} holds pods of the ${extension} extension but is not labelled "${LABEL.extension}=${extension}": linkerd check and the extension's CLI do not find it`)
        return problems.length === 0 ? pass() : fail(['some extensions have invalid configuration', ...problems.map((p) => `\t* ${p}`)].join('\n'))
      },
    },
  ],
}
