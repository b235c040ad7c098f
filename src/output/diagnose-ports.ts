// `diagnose ports -o table`: per pod (or workload), a header with its mesh state and effective
// proxy settings, a table of its ports, then every problem with its fix.
import type {PortsReport} from '../diagnose/ports-report.js'
import {describeSubject, type PortAnalysis, type SettingSource} from '../ports/index.js'
import {paint} from './color.js'
import {renderProblems} from './diagnose-problems.js'
import {renderTable} from './table.js'

const SOURCE_LABEL: Record<SettingSource, string> = {
  'cluster-config': 'cluster default',
  'init-args': 'linkerd-init',
  'linkerd-default': 'default',
  'namespace-annotation': 'namespace annotation',
  'pod-annotation': 'pod annotation',
  'proxy-env': 'proxy env',
}

function listLine(label: string, value: string, source: SettingSource): string {
  return `${label}: ${value === '' ? '(none)' : value} (${SOURCE_LABEL[source]})`
}

export function renderPortTarget(target: PortAnalysis, color: boolean): string {
  const p = target.proxyPorts
  let text = `${paint.bold(color, describeSubject(target.subject))}\n`
  text += `  mesh: ${target.mesh} (${target.meshReason})\n`
  text += `  proxy ports: inbound ${p.inbound.port}, outbound ${p.outbound.port}, admin ${p.admin.port}, control ${p.control.port}\n`
  text += `  ${listLine('opaque', target.opaquePorts.value, target.opaquePorts.source)}; ${listLine('skip inbound', target.skipInboundPorts.value, target.skipInboundPorts.source)}; ${listLine('skip outbound', target.skipOutboundPorts.value, target.skipOutboundPorts.source)}\n`
  if (target.ports.length === 0) return `${text}  (no container declares a port)\n`
  const rows = target.ports.map((r) => [
    `${r.container}${r.init ? ' (init)' : ''}`,
    String(r.port),
    r.name ?? '-',
    r.protocol,
    r.mode,
    [r.detected, r.appProtocol && r.appProtocol !== r.detected ? `appProtocol ${r.appProtocol}` : undefined, r.outboundSkipped ? 'outbound skipped' : undefined].filter(Boolean).join(', ') || '-',
  ])
  const table = renderTable(['CONTAINER', 'PORT', 'NAME', 'PROTOCOL', 'MESH', 'NOTES'], rows, {align: ['left', 'right']})
  return text + table.split('\n').map((line) => (line ? `  ${line}` : line)).join('\n')
}

export function renderPortsReport(report: PortsReport, color: boolean): string {
  const blocks = report.targets.map((t) => renderPortTarget(t, color))
  for (const svc of report.services) blocks.push(`${paint.bold(color, describeSubject(svc.subject))}\n  points outside the cluster (ExternalName or no selector): meshed clients have no discovery for it\n`)
  let text = blocks.join('\n')
  if (report.problems.length > 0) text += `\n${renderProblems(report.problems, color)}`
  return text
}
