import {Flags} from '@oclif/core'

import {ClusterCommand} from '../cluster-command.js'
import {errorInfo, type ErrorInfo} from '../errors.js'
import {errorJson, jsonDocument} from '../output/json.js'

const UNAVAILABLE = 'unavailable'

export default class Version extends ClusterCommand {
  static override summary = 'Print the client version and the version of the Linkerd control plane.'

  static override description = `As linkerd version: the client's version, then the control plane's, read from linkerd-config in the -L namespace (the linkerdVersion the control plane was installed with). When the control plane cannot be read, its version is "unavailable" and the cause goes to stderr; the exit code says why (1 Linkerd not found, 3 no usable cluster, 4 timed out). --client never contacts the cluster.`

  static override examples = [
    '<%= config.bin %> version',
    '<%= config.bin %> version --short',
    '<%= config.bin %> version --client',
    '<%= config.bin %> version -o json',
  ]

  static override flags = {
    client: Flags.boolean({default: false, description: 'Print the client version only.'}),
    short: Flags.boolean({default: false, description: 'Print the version numbers only, one per line.'}),
    output: Flags.option({char: 'o', default: 'text', description: 'Output format.', options: ['text', 'json'] as const})(),
  }

  /** Set once this command wrote its own document: a failure after that adds no second one. */
  private wrote = false

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const client = this.config.version
    let server: string | undefined
    let failure: Error | undefined
    if (!flags.client) {
      try {
        const kube = await this.kube(flags)
        try {
          const {serverVersion} = await import('../checks/linkerd.js')
          server = await serverVersion(kube, flags['linkerd-namespace'])
        } finally {
          await kube.close()
        }
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err))
      }
    }
    const shownServer = flags.client ? undefined : (server ?? UNAVAILABLE)
    if (flags.output === 'json') {
      const doc: Record<string, unknown> = {schemaVersion: 1, client: {version: client}}
      if (!flags.client) doc.server = failure === undefined ? {version: server, namespace: flags['linkerd-namespace']} : {version: null, namespace: flags['linkerd-namespace'], error: errorJson(errorInfo(failure))}
      this.outData(jsonDocument(doc))
    } else if (flags.short) {
      this.out(`${client}\n${shownServer === undefined ? '' : `${shownServer}\n`}`)
    } else {
      this.out(`Client version: ${client}\n${shownServer === undefined ? '' : `Server version: ${shownServer}\n`}`)
    }
    this.wrote = true
    // The versions are printed; the failure still decides the exit code and says why on stderr.
    if (failure !== undefined) throw failure
  }

  protected override errorDocument(info: ErrorInfo, format: string): string | undefined {
    return this.wrote ? undefined : super.errorDocument(info, format)
  }
}

