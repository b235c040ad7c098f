// `--in-place`: replaces files the way editors do. A symbolic link is written through (the link
// stays, its target gets the new bytes); each file is written to a temporary file beside its
// target, given the target's mode (and owner, as root), and renamed over it. A killed run leaves
// every file either old or new, never half-written. Every target is resolved before the first
// write, so a dangling link or an unwritable directory stops the run with nothing written.
import {constants, unlinkSync, type Stats} from 'node:fs'
import {access, open, realpath, rename, stat, unlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {InputError} from '../errors.js'

export interface InPlaceWrite {
  /** The path as given (or found under a directory): a file or a symbolic link to one. */
  file: string
  text: string
}

interface Target {
  file: string
  /** Other names given for the same file (a link and its target): written once. */
  aliases: string[]
  /** The file the link chain ends at: where the bytes go. */
  path: string
  info: Stats
  text: string
}

/** Temporary files being written, removed when the run is interrupted (SIGINT, SIGTERM, SIGHUP). */
const pending = new Set<string>()

/** Writes every file atomically; returns the names written (a link and its target: one write). */
export async function writeFilesInPlace(writes: InPlaceWrite[]): Promise<string[]> {
  const targets = await resolveTargets(writes)
  const release = cleanupOnSignals()
  const written: string[] = []
  try {
    for (const target of targets) {
      try {
        await writeAtomic(target)
      } catch (error) {
        const done = written.length > 0 ? ` (${written.length} file${written.length === 1 ? '' : 's'} rewritten before this one: ${written.join(', ')})` : ''
        throw new InputError({source: target.file}, `cannot write ${target.path === target.file ? 'the file' : target.path}: ${(error as Error).message}${done}`)
      }
      written.push(target.file, ...target.aliases)
    }
  } finally {
    release()
  }
  return written
}

async function resolveTargets(writes: InPlaceWrite[]): Promise<Target[]> {
  const seen = new Map<string, Target>()
  const targets: Target[] = []
  for (const {file, text} of writes) {
    let path: string
    try {
      path = await realpath(file)
    } catch (error) {
      const code = (error as {code?: string}).code
      const why = code === 'ENOENT' ? 'is a dangling symbolic link (its target does not exist)' : code === 'ELOOP' ? 'is a loop of symbolic links' : (error as Error).message
      throw new InputError({source: file}, `cannot rewrite: ${why}`, {hint: 'fix or remove the link; nothing was written'})
    }
    // Two names of one file (a link and its target, both given) are written once.
    const twin = seen.get(path)
    if (twin !== undefined) {
      twin.aliases.push(file)
      continue
    }
    const info = await stat(path)
    try {
      await access(dirname(path), constants.W_OK)
    } catch {
      throw new InputError({source: file}, `cannot rewrite: the directory ${dirname(path)} is not writable (a new file is written there, then renamed)`, {hint: 'nothing was written'})
    }
    const target = {file, aliases: [], path, info, text}
    seen.set(path, target)
    targets.push(target)
  }
  return targets
}

let counter = 0

async function writeAtomic(target: Target): Promise<void> {
  const {path, info, text} = target
  const tmp = join(dirname(path), `.${basename(path)}.meshport-${process.pid}-${counter++}.tmp`)
  pending.add(tmp)
  try {
    // 'wx': never follow or reuse whatever sits at that name.
    const handle = await open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(text)
      // Owner first: chown clears set-user-ID bits, which chmod then restores. Only root can give a
      // file away; others keep their own ownership (as sed -i does).
      if (info.uid !== process.getuid?.() || info.gid !== process.getgid?.()) await handle.chown(info.uid, info.gid).catch(() => {})
      // Mode explicitly: the mode given to open() is reduced by the umask.
      await handle.chmod(info.mode & 0o7777)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  } finally {
    pending.delete(tmp)
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** While files are written, an interrupt removes the temporary file and ends the process as the signal would. */
function cleanupOnSignals(): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    for (const tmp of pending) {
      try {
        // Synchronous: the process ends right after.
        unlinkSync(tmp)
      } catch {
        // Already renamed or never created.
      }
    }
    release()
    process.kill(process.pid, signal)
  }
  const release = (): void => {
    for (const signal of SIGNALS) process.off(signal, handler)
  }
  for (const signal of SIGNALS) process.on(signal, handler)
  return release
}
