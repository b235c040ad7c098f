import {Command} from '@oclif/core'

import {cobraOutput, complete} from '../completion/complete.js'
import {commandSpecs} from '../completion/spec.js'

// Called by the completion scripts and by kubectl (kubectl_complete-meshport) on every TAB.
export default class Complete extends Command {
  static override hidden = true
  static override strict = false
  static override summary = 'Print completion candidates for the words typed so far (used by the shell scripts).'
  static override description = 'Cobra-compatible: one candidate per line, then :DIRECTIVE (2 no space, 4 no file completion).'
  static override examples = ['<%= config.bin %> __complete -- viz stat de', '<%= config.bin %> __complete -- check --only linkerd-']

  async run(): Promise<void> {
    // `--` keeps oclif from reading the user's words (a typed --help) as its own flags.
    const words = this.argv[0] === '--' ? this.argv.slice(1) : this.argv
    if (words.length === 0) words.push('')
    process.stdout.write(cobraOutput(await complete(commandSpecs(this.config.commands), words)))
  }
}
