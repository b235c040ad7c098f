// What each `linkerd inject` proxy flag does to the chart values (linkerd/linkerd2:cli/cmd/options.go
// makeProxyFlags/makeInjectFlags): flags change the values of the run directly; the annotations
// that describe the change are computed afterwards by comparing with the baseline.
import {UsageError} from '../errors.js'
import {parseQuantity, wholeCores} from './proxy-go.js'
import {getValue, setValue, type ChartValues} from './values.js'

/** Flag values as the command parsed them (only flags the user set). */
export type FlagValues = Readonly<Record<string, unknown>>

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',')
  return String(value)
}

function cores(flag: string, value: string): number {
  const q = parseQuantity(value)
  if (!q) throw new UsageError(`--${flag}: "${value}" is not a Kubernetes quantity`, {hint: 'e.g. 100m or 1'})
  return wholeCores(q)
}

function registryOverride(image: string, registry: string): string {
  if (image === '') return image
  const prefix = registry !== '' && !registry.endsWith('/') ? `${registry}/` : registry
  return prefix + image.slice(image.lastIndexOf('/') + 1)
}

type Apply = (values: ChartValues, value: unknown, flag: string) => void

const set =
  (path: string, convert: (v: unknown) => unknown = text): Apply =>
  (values, value) =>
    setValue(values, path, convert(value))

const num = (v: unknown): number => Number(v)
const bool = (v: unknown): boolean => v === true || v === 'true'

/** Flag name (without dashes) → its effect on the values, in Linkerd's order of application. */
export const PROXY_FLAGS: ReadonlyArray<readonly [string, Apply]> = [
  ['proxy-image', set('proxy.image.name')],
  [
    'image-pull-policy',
    (values, value) => {
      for (const path of ['imagePullPolicy', 'proxy.image.pullPolicy', 'debugContainer.image.pullPolicy']) setValue(values, path, text(value))
    },
  ],
  ['inbound-port', set('proxy.ports.inbound', num)],
  ['outbound-port', set('proxy.ports.outbound', num)],
  ['skip-inbound-ports', set('proxyInit.ignoreInboundPorts')],
  ['skip-outbound-ports', set('proxyInit.ignoreOutboundPorts')],
  ['proxy-uid', set('proxy.uid', num)],
  ['proxy-gid', set('proxy.gid', num)],
  ['proxy-log-level', set('proxy.logLevel')],
  ['control-port', set('proxy.ports.control', num)],
  ['admin-port', set('proxy.ports.admin', num)],
  [
    'proxy-cpu-request',
    (values, value, flag) => {
      setValue(values, 'proxy.runtime.workers.minimum', cores(flag, text(value)))
      setValue(values, 'proxy.resources.cpu.request', text(value))
    },
  ],
  [
    'proxy-cpu-limit',
    (values, value, flag) => {
      setValue(values, 'proxy.runtime.workers.maximum', cores(flag, text(value)))
      setValue(values, 'proxy.resources.cpu.limit', text(value))
    },
  ],
  ['proxy-memory-request', set('proxy.resources.memory.request')],
  ['proxy-memory-limit', set('proxy.resources.memory.limit')],
  ['enable-external-profiles', set('proxy.enableExternalProfiles', bool)],
  ['default-inbound-policy', set('proxy.defaultInboundPolicy')],
  ['proxy-memory', set('proxy.resources.memory.request')],
  ['proxy-cpu', set('proxy.resources.cpu.request')],
  ['proxy-version', set('proxy.image.version')],
  [
    'registry',
    (values, value) => {
      for (const path of ['debugContainer.image.name', 'proxy.image.name']) setValue(values, path, registryOverride(text(getValue(values, path) ?? ''), text(value)))
    },
  ],
  ['native-sidecar', set('proxy.nativeSidecar', bool)],
  ['wait-before-exit-seconds', set('proxy.waitBeforeExitSeconds', num)],
  ['require-identity-on-inbound-ports', set('proxy.requireIdentityOnInboundPorts')],
  ['ingress', set('proxy.isIngress', bool)],
  ['opaque-ports', set('proxy.opaquePorts')],
]

/** Applies the flags the user set to a copy of the values. */
export function applyProxyFlags(values: ChartValues, flags: FlagValues): ChartValues {
  const out = structuredClone(values)
  for (const [flag, apply] of PROXY_FLAGS) {
    const value = flags[flag]
    if (value === undefined || value === null) continue
    apply(out, value, flag)
  }
  return out
}
