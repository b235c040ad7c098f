import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {compactingProgress} from '../inject/memory.js'
import {buildInjectOptions} from '../inject/options.js'
import {runManifests} from '../inject/run.js'
import {colorDiff} from '../output/diff.js'
import {actionOf, diffExit, manifestFlags, writePieces} from './inject.js'

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
    const args = argv as string[]
    const action = actionOf(flags)
    try {
      if (args.length === 0) throw new UsageError('please specify a kubernetes resource file', {hint: 'pass a file, a directory, a URL, or - to read stdin'})
      const options = buildInjectOptions({'pod-template-path': flags['pod-template-path']})
      const outcome = await runManifests({op: 'uninject', options, args, action, output: flags.output, verbose: flags.verbose, progress: compactingProgress})
      const pieces = outcome.stdout
      // --diff in colour on a terminal, as git diff (--color decides; never in a pipe).
      writePieces((text) => this.out(text), action === 'diff' && this.useColor(flags.color) ? pieces.map(colorDiff) : pieces)
      if (outcome.stderr) this.err(outcome.stderr)
      process.exitCode = outcome.exitCode
    } catch (error) {
      throw diffExit(error, action)
    }
  }
}
