import {ClusterCommand} from '../cluster-command.js'
import {cobraOutput, complete, type ClusterNames} from '../completion/complete.js'
import {commandSpecs} from '../completion/spec.js'
import type {KubeClient} from '../kube/types.js'
import {parseDuration} from '../util/duration.js'

// Names from the cluster must not make TAB hang: each lookup gets this long, then nothing. A
// --request-timeout on the line is honoured, up to the longest a TAB may reasonably take.
const LOOKUP_TIMEOUT_MS = 2000
const LONGEST_LOOKUP_MS = 10_000

function lookupTimeout(flags: Readonly<Record<string, string>>): number {
  const asked = flags['request-timeout'] === undefined ? undefined : parseDuration(flags['request-timeout'])
  return asked === undefined || asked <= 0 ? LOOKUP_TIMEOUT_MS : Math.min(asked, LONGEST_LOOKUP_MS)
}

// Called by the completion scripts and by kubectl (kubectl_complete-meshport) on every TAB.
export default class Complete extends ClusterCommand {
  static override hidden = true
  static override strict = false
  static override summary = 'Print completion candidates for the words typed so far (used by the shell scripts).'
  static override description = 'Cobra-compatible: one candidate per line, then :DIRECTIVE (2 no space, 4 no file completion).'
  static override examples = ['<%= config.bin %> __complete -- viz stat de', '<%= config.bin %> __complete -- check --only linkerd-']

  async run(): Promise<void> {
    // `--` keeps oclif from reading the user's words (a typed --help) as its own flags.
    const words = this.argv[0] === '--' ? this.argv.slice(1) : this.argv
    if (words.length === 0) words.push('')
    process.stdout.write(cobraOutput(await complete(commandSpecs(this.config.commands), words, this.clusterNames())))
  }

  /** Lookups through the flags typed on the line (--kubeconfig, --context, -n, --request-timeout), silent on any failure. */
  private clusterNames(): ClusterNames {
    const quietly = async (lookup: () => Promise<string[]>, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<string[]> => {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), timeoutMs + 500)
      })
      try {
        return await Promise.race([lookup().catch(() => []), late])
      } finally {
        clearTimeout(timer)
      }
    }
    const withKube = (flags: Readonly<Record<string, string>>, read: (kube: KubeClient, namespace: string) => Promise<string[]>) =>
      quietly(async () => {
        const kube = await this.kube({context: flags.context, kubeconfig: flags.kubeconfig, 'linkerd-namespace': 'linkerd', 'request-timeout': `${lookupTimeout(flags)}ms`})
        try {
          return await read(kube, flags.namespace ?? kube.namespace)
        } finally {
          await kube.close()
        }
      }, lookupTimeout(flags))
    return {
      contexts: (flags) => quietly(() => this.kubeContexts(flags.kubeconfig)),
      namespaces: (flags) => withKube(flags, async (kube) => (await kube.listNamespaces()).map((n) => n.metadata?.name ?? '').filter((n) => n !== '')),
      names: (kind, flags) =>
        withKube(flags, async (kube, namespace) => {
          const {namesOf} = await import('../resources/lookup.js')
          return namesOf(kube, kind, namespace)
        }),
    }
  }
}
