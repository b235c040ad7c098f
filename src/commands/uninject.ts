import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {manifestFlags} from '../manifest-flags.js'
import {runUninject} from '../manifest-run.js'

export default class Uninject extends BaseCommand {
  static override summary = 'Remove the Linkerd proxy and its annotations from Kubernetes manifests, offline.'

  static override description = `Removes what inject adds, in annotation mode and in manual mode (native-sidecar and legacy layouts): the linkerd-proxy, linkerd-init, linkerd-network-validator and linkerd-debug containers, Linkerd's volumes, and every annotation and label whose key starts with linkerd.io (linkerd.io/inject: disabled stays). config.linkerd.io/* annotations stay, as with \`linkerd uninject\`. Untouched documents are copied byte for byte; uninject of inject output gives the original bytes back. Details: docs/inject.md.`

  static override examples = [
    '<%= config.bin %> uninject app.yml | kubectl apply -f -',
    '<%= config.bin %> uninject --in-place k8s/',
    '<%= config.bin %> uninject --diff k8s/',
  ]

  static override strict = false

  static override args = {
    input: Args.string({description: 'Manifest file, directory, http(s) URL, or - for stdin (several allowed).'}),
  }

  static override flags = {...manifestFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Uninject)
    await runUninject(flags, argv as string[], this.io())
  }
}
