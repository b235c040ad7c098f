// oclif's command_not_found hook: a mistyped command gets "Did you mean ...?" and exit 2 (a usage
// error, docs/exit-codes.md). @oclif/plugin-not-found was not used: it exits 127, shows the
// suggestion only inside an interactive prompt (never in CI logs) and then offers to run it.
import {loadHelpClass, type Hook} from '@oclif/core'

import {closestIds} from '../completion/suggest.js'
import {terminalSafe} from '../output/terminal.js'

// Linkerd's words for meshport's commands: `linkerd stat` (a deprecated alias of viz stat) and
// `linkerd diagnostics` (alias dg) are what Linkerd users type first.
const LINKERD_WORDS: Readonly<Record<string, string>> = {dg: 'diagnose', diagnostics: 'diagnose', stat: 'viz:stat'}

const hook: Hook.CommandNotFound = async function (opts) {
  const separator = opts.config.topicSeparator
  const visible = opts.config.commands.filter((c) => !c.hidden)
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)]
  // With a space separator oclif joins every word into the id (`viz:stats:deploy`): the command
  // part ends at the first word that is not a topic.
  const topics = new Set(ids.flatMap((id) => id.split(':').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join(':'))))
  let words = opts.id.split(':')
  // `meshport help [COMMAND...]`, as kubectl and linkerd take it (oclif core only knows --help).
  if (words[0] === 'help') {
    words = [...words.slice(1), ...(opts.argv ?? [])]
    const known = (n: number): boolean => n === 0 ? words.length === 0 : Boolean(opts.config.findCommand(words.slice(0, n).join(':')) ?? opts.config.findTopic(words.slice(0, n).join(':')))
    // The longest prefix that names a command or topic (`help viz stat deploy` is viz stat's help).
    let n = words.length
    while (n > 0 && !known(n)) n--
    if (known(n)) {
      const Help = await loadHelpClass(opts.config)
      await new Help(opts.config).showHelp(words.slice(0, n))
      return
    }
  }
  const renamed = LINKERD_WORDS[words[0] ?? '']
  if (renamed !== undefined) {
    // The whole line again with meshport's word, so it can be copied; a subcommand meshport
    // lacks (`diagnostics controller-metrics`) leaves only the topic.
    let id = renamed
    let args = [...words.slice(1), ...(opts.argv ?? [])]
    if (!opts.config.findCommand(id)) {
      const sub = args[0] === undefined ? undefined : opts.config.findCommand(`${id}:${args[0]}`)
      id = sub ? sub.id : id
      args = sub ? args.slice(1) : []
    }
    const line = [opts.config.bin, id.replaceAll(':', separator), ...args].join(' ')
    process.stderr.write(terminalSafe(`Error: "${words[0]}" is not a ${opts.config.bin} command.\nDid you mean "${line}"?\nHint: run \`${opts.config.bin} --help\` for the list of commands\n`))
    this.exit(2)
  }
  let end = 1
  while (end < words.length && topics.has(words.slice(0, end).join(':'))) end++
  const typed = words.slice(0, end).join(':')
  const suggestions = closestIds(typed, ids).map((id) => id.replaceAll(':', separator))
  const shown = typed.replaceAll(':', separator)
  let text = `Error: "${shown}" is not a ${opts.config.bin} command.\n`
  if (suggestions.length > 0) text += `Did you mean ${suggestions.map((s) => `"${opts.config.bin} ${s}"`).join(' or ')}?\n`
  text += `Hint: run \`${opts.config.bin} --help\` for the list of commands\n`
  process.stderr.write(terminalSafe(text))
  // oclif prints nothing for an exit error; the message above is the whole output.
  this.exit(2)
}

export default hook
