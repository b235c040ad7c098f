import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {completionScript, SHELLS, type Shell} from '../completion/scripts.js'

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash or zsh.'

  static override description = `Completes commands, flags, flag values (output formats, check ids for --only/--skip), the resource types of viz stat and diagnose, and file names for inject. The script asks meshport itself for candidates, so it stays in step with the installed version. kubectl plugin completion (kubectl meshport <TAB>, kubectl 1.26+) works through the kubectl_complete-meshport executable installed beside kubectl-meshport.

The bash script needs only bash 4 or newer; the zsh script needs compinit (most zsh setups load it).`

  static override examples = [
    {command: "echo 'source <(<%= config.bin %> completion bash)' >> ~/.bashrc", description: 'Load completion in every new bash'},
    {command: "echo 'source <(<%= config.bin %> completion zsh)' >> ~/.zshrc", description: 'Load completion in every new zsh (after compinit)'},
    {command: '<%= config.bin %> completion zsh > "${fpath[1]}/_meshport"', description: 'Or install it as a zsh completion function'},
  ]

  static override args = {
    shell: Args.string({description: 'Shell to complete for.', options: [...SHELLS], required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    this.outData(completionScript(args.shell as Shell, [this.config.bin, `kubectl-${this.config.bin}`]))
  }
}
