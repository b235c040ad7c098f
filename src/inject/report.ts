// Linkerd's stderr report for inject and uninject (pkg/inject/report.go, cli/cmd/inject.go),
// byte for byte: a warnings section (all checks with --verbose), then one line per resource.

export type ReportStatus = 'injected' | 'annotated' | 'skipped' | 'uninjected' | 'missing-kind'

export interface ResourceReport {
  /** Lower-cased kind, as Linkerd prints it. */
  kind: string
  name: string
  status: ReportStatus
  /** A kind inject can inject or annotate (pod-template kinds, Namespace, annotated Service). */
  supported: boolean
  hostNetwork?: boolean
  sidecar?: boolean
  injectDisabled?: boolean
  udp?: boolean
  automount?: boolean
}

const OK = '√'
const WARN = '‼'

function names(reports: ResourceReport[]): string {
  return reports.map((r) => `${r.kind}/${r.name}`).join(', ')
}

function summaryLine(r: ResourceReport): string {
  if (r.status === 'missing-kind') return 'document missing "kind" field, skipped'
  return `${r.kind} "${r.name}" ${r.status}`
}

/** The report `linkerd inject` prints after the manifests of one input. */
export function injectReport(reports: ResourceReport[], verbose: boolean): string {
  const lines: string[] = ['']
  let warned = false
  const section = (hits: ResourceReport[], warn: string, ok: string): void => {
    if (hits.length > 0) {
      lines.push(`${WARN} ${warn}`)
      warned = true
    } else if (verbose) {
      lines.push(`${OK} ${ok}`)
    }
  }
  section(reports.filter((r) => r.hostNetwork), `"hostNetwork: true" detected in ${names(reports.filter((r) => r.hostNetwork))}`, 'pods do not use host networking')
  section(reports.filter((r) => r.sidecar), `known 3rd party sidecar detected in ${names(reports.filter((r) => r.sidecar))}`, 'pods do not have a 3rd party proxy or initContainer already injected')
  const disabled = reports.filter((r) => r.injectDisabled)
  section(disabled, `"linkerd.io/inject: disabled" annotation set on ${names(disabled)}`, 'pods are not annotated to disable injection')
  const anySupported = reports.some((r) => r.supported)
  section(anySupported ? [] : [{kind: '', name: '', status: 'skipped', supported: false}], 'no supported objects found', 'at least one resource can be injected or annotated')
  const udp = reports.filter((r) => r.udp)
  section(udp, `${names(udp)} ${udp.length > 1 ? 'use' : 'uses'} "protocol: UDP"`, 'pod specs do not include UDP ports')
  const automount = reports.filter((r) => r.automount)
  if (automount.length > 0) {
    lines.push(`${WARN} automountServiceAccountToken set to "false" in ${names(automount)}`)
    warned = true
  } else if (verbose) {
    lines.push(`${OK} pods do not have automountServiceAccountToken set to "false" or service account token projection is enabled`)
  }
  if (warned || verbose) lines.push('')
  for (const r of reports) lines.push(summaryLine(r))
  lines.push('', '')
  return lines.join('\n')
}

/** The report `linkerd uninject` prints: one line per resource between empty lines. */
export function uninjectReport(reports: ResourceReport[]): string {
  return ['', ...reports.map(summaryLine), '', ''].join('\n')
}

/** Linkerd's error block for an input with transform errors (no trailing newline). */
export function transformErrors(errors: string[]): string {
  return `Error transforming resources:\n${errors.join('\n')}`
}
