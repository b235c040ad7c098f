// Shell completion, decided in one place for bash, zsh and kubectl's plugin completion: given the
// words typed after the program name (the last one is the word under the cursor), which words can
// come next. Pure: the command table comes from oclif's manifest, values from providers.ts.

/** What a value function may look at: the line so far. */
export interface CompletionContext {
  /** The values of the flags given so far, by long name (`namespace` for `-n shop`). */
  flags: Readonly<Record<string, string>>
  /** Positional arguments given before the word being completed. */
  positionals: readonly string[]
  /** The word being completed. */
  typed: string
  /** Names from the cluster (namespaces, pods, `deploy/` names, contexts); absent in tests of the pure logic. */
  cluster?: ClusterNames | undefined
}

/** Read-only lookups in the user's cluster and kubeconfig; every one resolves to [] on any failure. */
export interface ClusterNames {
  contexts(flags: Readonly<Record<string, string>>): Promise<string[]>
  namespaces(flags: Readonly<Record<string, string>>): Promise<string[]>
  /** Names of the objects of a canonical kind (`deployment`, `pod`, `service`, ...) in the flags' namespace. */
  names(kind: string, flags: Readonly<Record<string, string>>): Promise<string[]>
}

/** Known values, or a function that finds them (called only when that value is being completed). */
export type Values = readonly string[] | ((context: CompletionContext) => readonly string[] | Promise<readonly string[]>)

async function resolve(values: Values | undefined, context: CompletionContext): Promise<readonly string[]> {
  if (values === undefined) return []
  return typeof values === 'function' ? values(context) : values
}

export interface FlagSpec {
  name: string
  char?: string | undefined
  /** Takes a value (oclif `option` flags); booleans do not. */
  takesValue: boolean
  /** Boolean flag that also has a --no- form. */
  allowNo?: boolean | undefined
  /** May be given more than once (still offered after use). */
  multiple?: boolean | undefined
  /** Values are comma-separated lists (`--only a,b`): complete after the last comma. */
  list?: boolean | undefined
  values?: Values | undefined
}

export interface CommandSpec {
  /** Words of the command, `['viz', 'stat']`. */
  words: readonly string[]
  flags: readonly FlagSpec[]
  /** Values of each positional argument; the last entry repeats for variadic commands. */
  args?: ReadonlyArray<Values | undefined>
  /** Positional arguments are paths (inject FILE...): let the shell complete files. */
  fileArgs?: boolean
}

export interface Completion {
  candidates: string[]
  /** The shell may fall back to its file completion. */
  files: boolean
  /** No space after the candidate (a list value the user may continue with a comma). */
  noSpace: boolean
}

const none = (files = false): Completion => ({candidates: [], files, noSpace: false})

function startsWith(prefix: string) {
  return (word: string): boolean => word.startsWith(prefix)
}

function findFlag(command: CommandSpec, word: string): FlagSpec | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0]!
    return command.flags.find((f) => f.name === name || (f.allowNo === true && `no-${f.name}` === name))
  }
  if (/^-[^-]$/.test(word)) return command.flags.find((f) => f.char === word[1])
  return undefined
}

async function valueCompletion(flag: FlagSpec, typed: string, context: Omit<CompletionContext, 'typed'>, lead = ''): Promise<Completion> {
  const values = await resolve(flag.values, {...context, typed})
  if (values.length === 0) return none(!flag.list)
  if (!flag.list) return {candidates: values.filter(startsWith(typed)).map((v) => lead + v), files: false, noSpace: false}
  const cut = typed.lastIndexOf(',') + 1
  const done = new Set(typed.slice(0, cut).split(',').filter((v) => v !== ''))
  const head = typed.slice(0, cut)
  const candidates = values.filter((v) => !done.has(v) && v.startsWith(typed.slice(cut))).map((v) => lead + head + v)
  return {candidates, files: false, noSpace: false}
}

/** Next words for `words` (everything after the program name; the last is the partial word). */
export async function complete(commands: readonly CommandSpec[], words: readonly string[], cluster?: ClusterNames): Promise<Completion> {
  const typed = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  // The command: as many leading words as still name a command or a topic.
  let path: string[] = []
  let i = 0
  for (; i < before.length; i++) {
    const next = [...path, before[i]!]
    if (!commands.some((c) => next.every((w, j) => c.words[j] === w))) break
    path = next
  }
  const command = commands.find((c) => c.words.length === path.length && path.every((w, j) => c.words[j] === w))
  const subcommands = [...new Set(commands.filter((c) => c.words.length > path.length && path.every((w, j) => c.words[j] === w)).map((c) => c.words[path.length]!))]
  if (command === undefined) {
    // Still inside a topic (or at the root): only subcommands make sense.
    if (i < before.length) return none()
    return {candidates: subcommands.filter(startsWith(typed)).sort(), files: false, noSpace: false}
  }

  // Walk the rest: which flags were given, which flag waits for its value, how many positionals.
  const used = new Set<string>()
  const given: Record<string, string> = {}
  const positionals: string[] = []
  let pending: FlagSpec | undefined
  let flagsEnded = false
  for (const word of before.slice(i)) {
    if (pending) {
      given[pending.name] = word
      pending = undefined
      continue
    }
    if (!flagsEnded && word === '--') {
      flagsEnded = true
      continue
    }
    const flag = flagsEnded ? undefined : findFlag(command, word)
    if (flag) {
      used.add(flag.name)
      if (flag.takesValue && word.includes('=')) given[flag.name] = word.slice(word.indexOf('=') + 1)
      else if (flag.takesValue) pending = flag
      continue
    }
    if (!flagsEnded && word.startsWith('-') && word !== '-') continue // unknown flag: ignore
    positionals.push(word)
  }
  const context = {cluster, flags: given, positionals}
  if (pending) return valueCompletion(pending, typed, context)

  if (!flagsEnded && typed.startsWith('--') && typed.includes('=')) {
    const flag = findFlag(command, typed)
    if (flag === undefined || !flag.takesValue) return none()
    const lead = typed.slice(0, typed.indexOf('=') + 1)
    return valueCompletion(flag, typed.slice(lead.length), context, lead)
  }
  if (!flagsEnded && typed.startsWith('-')) {
    const names = command.flags
      .filter((f) => f.multiple === true || !used.has(f.name))
      .flatMap((f) => [`--${f.name}`, ...(f.allowNo === true ? [`--no-${f.name}`] : [])])
    return {candidates: names.filter(startsWith(typed)).sort(), files: false, noSpace: false}
  }
  const args = command.args ?? []
  const values = await resolve(args[Math.min(positionals.length, args.length - 1)], {...context, typed})
  const candidates = [...(positionals.length === 0 ? subcommands : []), ...values].filter(startsWith(typed))
  return {candidates, files: command.fileArgs === true && candidates.length === 0, noSpace: false}
}

// Cobra's directives, so kubectl's plugin completion (kubectl_complete-<name>) understands us.
const NO_SPACE = 2
const NO_FILE_COMP = 4

/** Cobra's `__complete` output: one candidate per line, then `:<directive>`. */
export function cobraOutput(result: Completion): string {
  const directive = (result.noSpace ? NO_SPACE : 0) | (result.files ? 0 : NO_FILE_COMP)
  return [...result.candidates, `:${directive}`].join('\n') + '\n'
}
