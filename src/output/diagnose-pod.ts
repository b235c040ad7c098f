// `diagnose pod -o table`: a short sectioned report — pod, mesh, proxy, identity, ports — then
// every problem with its fix. Sections say "unknown" rather than omitting what could not be read.
import type {PodReport} from '../diagnose/pod-report.js'
import {humanDuration} from '../util/duration.js'
import {paint} from './color.js'
import {renderProblems} from './diagnose-problems.js'
import {renderPortTarget} from './diagnose-ports.js'
import {wrapText} from './wrap.js'

const KEY_WIDTH = 14
const kv = (key: string, value: string) => `  ${`${key}:`.padEnd(KEY_WIDTH)}${value}\n`

export interface PodReportOptions {
  color: boolean
  /** For "expires ... (in 22h)". */
  nowMs?: number
  /** Terminal width: long lines break between words, continuing under their value. */
  width?: number | undefined
}

/** Continuation indent of a line: under the value of `key: value`, under the text of `fix: `. */
function hang(line: string): {hang: string} {
  if (/^ {2}\S[^:]*: +/.test(line) && line.length > 2 + KEY_WIDTH && line[1 + KEY_WIDTH] === ' ') return {hang: ' '.repeat(2 + KEY_WIDTH)}
  const fix = /^( +fix: )/.exec(line)?.[1]
  return {hang: ' '.repeat(fix?.length ?? /^ */.exec(line)?.[0].length ?? 0)}
}

function expiry(expiresAtSeconds: number, nowMs: number): string {
  const left = expiresAtSeconds * 1000 - nowMs
  const when = new Date(expiresAtSeconds * 1000).toISOString()
  return left >= 0 ? `expires ${when} (in ${humanDuration(left)})` : `expired ${when} (${humanDuration(-left)} ago)`
}

function share(part: number, total: number): string {
  return total === 0 ? 'no connections yet' : `${part}/${total} (${((100 * part) / total).toFixed(1)}%) mTLS`
}

function top(record: Record<string, number>, limit = 5): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return '-'
  const shown = entries.slice(0, limit).map(([k, v]) => `${k} (${v})`)
  return entries.length > limit ? `${shown.join(', ')}, +${entries.length - limit} more` : shown.join(', ')
}

export function renderPodReport(report: PodReport, options: PodReportOptions): string {
  const {color} = options
  const nowMs = options.nowMs ?? Date.now()
  const b = (t: string) => paint.bold(color, t)
  let text = `${b(`pod/${report.pod.name} in ${report.pod.namespace}`)}\n`
  text += kv('phase', report.pod.phase)
  if (report.pod.owner) text += kv('owner', report.pod.owner)
  if (report.pod.node) text += kv('node', report.pod.node)
  text += `\n${b('Mesh')}\n`
  text += kv('meshed', `${report.mesh.meshed ? 'yes' : 'no'} — ${report.mesh.reason}`)
  if (report.mesh.inject) text += kv('inject', `${report.mesh.inject.value} (from the ${report.mesh.inject.from})`)
  if (report.mesh.sidecar) text += kv('sidecar', report.mesh.sidecar === 'native' ? 'native (init container, restartPolicy Always)' : 'regular container')
  if (report.mesh.meshed) {
    text += `\n${b('Proxy')}\n`
    const proxy = report.health.proxy
    const notStarted = report.pod.phase === 'Pending' ? 'not started (the pod is Pending)' : 'no status reported'
    text += kv('container', proxy ? `${proxy.state}, ready ${proxy.ready ? 'yes' : 'no'}, ${proxy.restarts} restarts${proxy.lastTermination ? `, last: ${proxy.lastTermination.reason} (exit ${proxy.lastTermination.exitCode})` : ''}` : notStarted)
    if (report.health.init) text += kv('linkerd-init', `${report.health.init.state}, ${report.health.init.restarts} restarts`)
    // An unreachable admin port fails both probes with the kubelet's long message: it is said
    // once, in its problem, and the probes point there.
    const unreachable = report.problems.find((p) => p.rule === 'proxy.admin-unreachable')
    const probe = (p: {status?: number; error?: string} | undefined, other?: {error?: string}) => {
      if (p === undefined) return 'not probed'
      if (p.error === undefined) return String(p.status)
      if (unreachable) return `not reached (see ${unreachable.rule} below)`
      return p.error === other?.error ? 'error: the same as /ready' : `error: ${p.error}`
    }
    text += kv('/ready', probe(report.health.ready))
    text += kv('/live', probe(report.health.live, report.health.ready))
    text += kv('version', `${report.version.proxy ?? 'unknown'} (control plane ${report.version.controlPlane ?? 'unknown'}${report.version.build ? `, build ${report.version.build}` : ''})`)
    text += `\n${b('Identity')}\n`
    const id = report.identity
    if (id === undefined) text += kv('status', 'unknown (metrics not read)')
    else if ('error' in id) text += kv('status', `unknown: ${id.error}`)
    else {
      text += kv('inbound', share(id.inbound.mtls, id.inbound.total))
      text += kv('client ids', top(id.inbound.identities))
      if (Object.keys(id.inbound.plaintextReasons).length > 0) text += kv('no TLS', top(id.inbound.plaintextReasons))
      text += kv('outbound', share(id.outbound.mtls, id.outbound.total))
      text += kv('server ids', top(id.outbound.identities))
      if (Object.keys(id.outbound.plaintextReasons).length > 0) text += kv('no TLS', top(id.outbound.plaintextReasons))
      text += kv('certificate', id.certExpiresAt ? expiry(id.certExpiresAt, nowMs) : 'none')
    }
  }
  text += `\n${b('Ports')}\n`
  text += renderPortTarget({...report.ports, subject: {kind: 'Pod', name: report.pod.name, namespace: report.pod.namespace}, problems: []}, false)
    .split('\n')
    .slice(1)
    .join('\n')
  if (report.problems.length > 0) text += `\n${b('Problems')}\n${renderProblems(report.problems, color)}`
  return options.width === undefined ? text : wrapText(text, options.width, hang)
}
