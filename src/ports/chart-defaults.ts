// The opaque and skip port lists of Linkerd's chart defaults (values.yaml: proxy.opaquePorts,
// proxyInit.ignore{In,Out}boundPorts), named the way the port rules read them.
import {DEFAULT_OPAQUE_PORTS, DEFAULT_SKIP_PORTS} from '../mesh/inject-flags.js'

export const LINKERD_DEFAULTS = {
  opaquePorts: DEFAULT_OPAQUE_PORTS,
  skipInboundPorts: DEFAULT_SKIP_PORTS,
  skipOutboundPorts: DEFAULT_SKIP_PORTS,
} as const
