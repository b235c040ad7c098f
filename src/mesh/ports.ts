// Linkerd proxy port facts, from linkerd2's chart defaults and proxy source (not from blog posts).
export const PROXY_PORTS = {
  admin: 4191,
  control: 4190,
  inbound: 4143,
  outbound: 4140,
} as const

export const PROXY_UID = 2102

/** Container port names Linkerd's injector gives the proxy's ports. */
export const PROXY_PORT_NAMES = {
  admin: 'linkerd-admin',
  inbound: 'linkerd-proxy',
} as const
