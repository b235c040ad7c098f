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
  /** Application ports the proxy also listens on (the rule of `diagnose ports`). */
  portConflicts?: ReadonlyArray<{message: string; fix: string}>
  /** `kind/name` of the workload that holds this object's pod template (Argo's workloadRef). */
  templateFrom?: string
  /** Set by --in-place: the document came out as it went in ("already injected"). */
  unchanged?: boolean
}

const OK = '√'
const WARN = '‼'

function summaryLine(r: ResourceReport): string {
  if (r.status === 'missing-kind') return 'document missing "kind" field, skipped'
  const already = r.unchanged && (r.status === 'injected' || r.status === 'annotated') ? 'already ' : ''
  return `${r.kind} "${r.name}" ${already}${r.status}`
}

/**
 * Builds the report of one input resource by resource, keeping only what the report prints:
 * summary lines (joined in blocks) and the names behind each warning. Memory stays small on
 * 50,000-document streams.
 */
export class ReportAccumulator {
  private blocks: string[] = []
  private lines: string[] = []
  private readonly hits = {hostNetwork: [] as string[], sidecar: [] as string[], injectDisabled: [] as string[], udp: [] as string[], automount: [] as string[], templateFrom: [] as string[], ports: [] as string[]}
  private anySupported = false

  add(r: ResourceReport): void {
    const name = `${r.kind}/${r.name}`
    if (r.hostNetwork) this.hits.hostNetwork.push(name)
    if (r.sidecar) this.hits.sidecar.push(name)
    if (r.injectDisabled) this.hits.injectDisabled.push(name)
    if (r.udp) this.hits.udp.push(name)
    if (r.automount) this.hits.automount.push(name)
    for (const c of r.portConflicts ?? []) this.hits.ports.push(`${name}: ${c.message}\n    fix: ${c.fix}`)
    if (r.templateFrom !== undefined) this.hits.templateFrom.push(`${name} takes its pod template from ${r.templateFrom} (spec.workloadRef): inject ${r.templateFrom} instead`)
    if (r.supported) this.anySupported = true
    this.line(summaryLine(r))
  }

  /** A summary line of another kind (`file "k8s/web.yml" rewritten`). */
  line(text: string): void {
    this.lines.push(text)
    if (this.lines.length >= 1000) {
      this.blocks.push(this.lines.join('\n'))
      this.lines = []
    }
  }

  private summary(): string[] {
    return this.lines.length > 0 ? [...this.blocks, this.lines.join('\n')] : [...this.blocks]
  }

  /** The report `linkerd inject` prints after the manifests of one input. */
  injectText(verbose: boolean): string {
    const out: string[] = ['']
    let warned = false
    const section = (hits: string[], warn: string, ok: string): void => {
      if (hits.length > 0) {
        out.push(`${WARN} ${warn}`)
        warned = true
      } else if (verbose) {
        out.push(`${OK} ${ok}`)
      }
    }
    const {hostNetwork, sidecar, injectDisabled, udp, automount} = this.hits
    section(hostNetwork, `"hostNetwork: true" detected in ${hostNetwork.join(', ')}`, 'pods do not use host networking')
    section(sidecar, `known 3rd party sidecar detected in ${sidecar.join(', ')}`, 'pods do not have a 3rd party proxy or initContainer already injected')
    section(injectDisabled, `"linkerd.io/inject: disabled" annotation set on ${injectDisabled.join(', ')}`, 'pods are not annotated to disable injection')
    for (const line of this.hits.templateFrom) {
      out.push(`${WARN} ${line}`)
      warned = true
    }
    section(this.anySupported ? [] : ['-'], 'no supported objects found', 'at least one resource can be injected or annotated')
    section(udp, `${udp.join(', ')} ${udp.length > 1 ? 'use' : 'uses'} "protocol: UDP"`, 'pod specs do not include UDP ports')
    if (automount.length > 0) {
      out.push(`${WARN} automountServiceAccountToken set to "false" in ${automount.join(', ')}`)
      warned = true
    } else if (verbose) {
      out.push(`${OK} pods do not have automountServiceAccountToken set to "false" or service account token projection is enabled`)
    }
    for (const line of this.hits.ports) {
      out.push(`${WARN} ${line}`)
      warned = true
    }
    if (warned || verbose) out.push('')
    out.push(...this.summary(), '', '')
    return out.join('\n')
  }

  /** The report `linkerd uninject` prints: one line per resource between empty lines. */
  uninjectText(): string {
    return ['', ...this.summary(), '', ''].join('\n')
  }
}

/** The report `linkerd inject` prints after the manifests of one input. */
export function injectReport(reports: ResourceReport[], verbose: boolean): string {
  const acc = new ReportAccumulator()
  for (const r of reports) acc.add(r)
  return acc.injectText(verbose)
}

/** The report `linkerd uninject` prints: one line per resource between empty lines. */
export function uninjectReport(reports: ResourceReport[]): string {
  const acc = new ReportAccumulator()
  for (const r of reports) acc.add(r)
  return acc.uninjectText()
}

/** Linkerd's error block for an input with transform errors (no trailing newline). */
export function transformErrors(errors: string[]): string {
  return `Error transforming resources:\n${errors.join('\n')}`
}
