// The command table for completion, read from oclif's loaded commands (its manifest, so no
// command module is imported) and enriched with the value providers: the command's own, then
// those of flags every cluster command shares (-n, --context, ...).
import type {Command} from '@oclif/core'

import type {CommandSpec, FlagSpec} from './complete.js'
import {COMMON_FLAGS, PROVIDERS} from './providers.js'

type FlagLike = {name?: string; char?: string; type: string; options?: readonly string[]; multiple?: boolean; allowNo?: boolean; hidden?: boolean}

export function commandSpecs(commands: readonly Command.Loadable[]): CommandSpec[] {
  return commands
    .filter((c) => !c.hidden)
    .map((c) => {
      const providers = PROVIDERS[c.id] ?? {}
      const flags: FlagSpec[] = Object.entries(c.flags as Record<string, FlagLike>)
        .filter(([, f]) => f.hidden !== true)
        .map(([name, f]) => ({
          name,
          char: f.char,
          takesValue: f.type === 'option',
          allowNo: f.allowNo,
          multiple: f.multiple,
          list: providers.lists?.includes(name),
          values: providers.flags?.[name] ?? COMMON_FLAGS[name] ?? f.options,
        }))
      flags.push({name: 'help', takesValue: false})
      const declared = Object.values(c.args ?? {}).map((a) => (a as {options?: readonly string[]}).options)
      const args = providers.args ?? declared
      return {words: c.id.split(':'), flags, args, fileArgs: providers.fileArgs === true}
    })
}
