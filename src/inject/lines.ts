// Line arithmetic on document text, for the editor's splices.

export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

export function lineEndAfter(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl === -1 ? text.length : nl
}

export function lineEndInserted(text: string, keyStart: number): number {
  const end = lineEndAfter(text, keyStart)
  return end < text.length ? end + 1 : end
}
