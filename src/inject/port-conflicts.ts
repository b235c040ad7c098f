// The port rule inject must not stay silent about: an application port that is also one of the
// proxy's ports (4143, 4140, 4191, 4190, or whatever the flags and values make them). The pod
// would start, and the proxy or the application could not listen. Same rule and wording as
// `diagnose ports -f` (src/ports); inject only warns, its output stays as it is.
import {PROXY_PORTS} from '../mesh/ports.js'
import {analyzePorts} from '../ports/analyze.js'
import {PORT_RULES} from '../ports/rules.js'
import {meshDefaultsFromValues} from '../ports/values-defaults.js'
import type {InjectOptions} from './types.js'

export interface PortConflict {
  message: string
  fix: string
}

/** Port numbers this run's proxy may listen on, as text (the cheap test before the real one). */
const candidates = new WeakMap<InjectOptions, string[]>()

function portsOf(options: InjectOptions): string[] {
  let ports = candidates.get(options)
  if (ports === undefined) {
    const found = new Set<string>(Object.values(PROXY_PORTS).map(String))
    for (const [key, value] of options.overrides) if (key.endsWith('-port')) found.add(value)
    for (const port of Object.values(meshDefaultsFromValues(chartValues(options)).proxyPorts ?? {})) found.add(String(port))
    ports = [...found]
    candidates.set(options, ports)
  }
  return ports
}

/** The chart values --manual renders from, when this run has them. */
function chartValues(options: InjectOptions): unknown {
  const config = options.values as {values?: unknown} | undefined
  return config?.values
}

/**
 * Whether a document's text may hold a conflict at all: a declared port, and one of the proxy's
 * port numbers or a `config.linkerd.io/` annotation that could move a proxy port onto one.
 */
export function mayConflict(text: string, options: InjectOptions): boolean {
  if (!text.includes('containerPort')) return false
  return text.includes('config.linkerd.io/') || portsOf(options).some((port) => text.includes(port))
}

/** The proxy-port conflicts of an injected pod template (its annotations say which ports the proxy takes). */
export function proxyPortConflicts(template: unknown, options: InjectOptions): PortConflict[] {
  if (template === null || typeof template !== 'object') return []
  const analysis = analyzePorts(template, {defaults: meshDefaultsFromValues(chartValues(options))})
  return analysis.problems.filter((p) => p.rule === PORT_RULES.proxyPortConflict.id).map((p) => ({message: p.message, fix: p.fix}))
}
