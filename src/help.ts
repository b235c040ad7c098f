// oclif's help, with text that fits the terminal: oclif cuts words that do not fit (its wrap is
// hard) and leaves summaries and examples unwrapped, so an 80-column terminal splits them
// mid-word. Here every line is broken between words (src/output/wrap.ts); an example command
// that is too long continues on the next line after ` \`, as a shell reads it.
import {CommandHelp, Help} from '@oclif/core'

import {wrapLine, wrapText} from './output/wrap.js'

function softWrap(text: string, width: number): string {
  return wrapText(text, width)
}

class WordWrapCommandHelp extends CommandHelp {
  override wrap(body: string, spacing = this.indentSpacing): string {
    return softWrap(this.render(body), this.opts.maxWidth - spacing)
  }
}

export default class MeshportHelp extends Help {
  protected override CommandHelpClass = WordWrapCommandHelp

  override wrap(body: string, spacing = this.indentSpacing): string {
    return softWrap(this.render(body), this.opts.maxWidth - spacing)
  }

  protected override log(...args: string[]): void {
    super.log(...args.map((text) => fit(text, this.opts.maxWidth)))
  }
}

/** Lines oclif left longer than the terminal, broken between words. */
export function fit(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const lead = /^ */.exec(line)?.[0] ?? ''
      if (line.slice(lead.length).startsWith('$ ')) return wrapLine(line, width, {continuation: ' \\', hang: `${lead}    `})
      return wrapLine(line, width)
    })
    .join('\n')
}
