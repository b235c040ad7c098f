// GITHUB_ENV's and GITHUB_OUTPUT's format, as the runner reads them back after a step.
/** `NAME=value` lines and `NAME<<DELIMITER` blocks. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const block = /^([^=<]+)<<(.+)$/.exec(line)
    if (block) {
      const value: string[] = []
      while (++i < lines.length && lines[i] !== block[2]) value.push(lines[i]!)
      env[block[1]!] = value.join('\n')
    } else if (line.includes('=')) {
      env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return env
}
