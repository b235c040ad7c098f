import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {completionScript, SHELLS, type Shell} from '../completion/scripts.js'

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash, zsh or fish.'

  static override description = `Completes commands, flags, flag values (output formats, check ids for --only/--skip), the resource types of viz stat and diagnose, and file names for inject. From the cluster, with a 2-second limit and silently when it cannot be reached: names after a type and a slash (viz stat deploy/<TAB>), namespaces after -n, pods after diagnose pod, and the kubeconfig's contexts after --context; the cluster is the one the line's --kubeconfig and --context name. The script asks meshport itself for candidates, so it stays in step with the installed version. kubectl plugin completion (kubectl meshport <TAB>, kubectl 1.26+) works through the kubectl_complete-meshport executable installed beside kubectl-meshport.

The bash script needs only bash 4 or newer; the zsh script needs compinit (most zsh setups load it); the fish script needs fish 3.1 or newer.`

  static override examples = [
    {command: "echo 'source <(<%= config.bin %> completion bash)' >> ~/.bashrc", description: 'Load completion in every new bash'},
    {command: "echo 'source <(<%= config.bin %> completion zsh)' >> ~/.zshrc", description: 'Load completion in every new zsh (after compinit)'},
    {command: '<%= config.bin %> completion zsh > "${fpath[1]}/_meshport"', description: 'Or install it as a zsh completion function'},
    {command: '<%= config.bin %> completion fish > ~/.config/fish/completions/meshport.fish', description: 'Load completion in every new fish'},
  ]

  static override args = {
    shell: Args.string({description: 'Shell to complete for.', options: [...SHELLS], required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    // The executables' names: config.bin reads `kubectl meshport` when kubectl runs us as a plugin.
    this.outData(completionScript(args.shell as Shell, [this.config.name, `kubectl-${this.config.name}`]))
  }
}
