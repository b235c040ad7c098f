// linkerd-version: which Linkerd the control plane runs (from linkerd-config) and, unless
// --offline, whether that is the latest of its channel (versioncheck.linkerd.io, as `linkerd check`
// asks). Nothing here blocks on the network in --offline mode (linkerd/linkerd2#11349).
import type {CheckContext} from '../context.js'
import {linkerdValues, LINKERD_CONFIG, parseLinkerdVersion} from '../linkerd.js'
import {fail, pass, skip, type Category, type CheckScope} from '../types.js'

async function controlPlaneVersion(ctx: CheckContext, scope: CheckScope): Promise<string> {
  const ns = ctx.settings.controlPlaneNamespace
  const values = await scope.waitFor(`configmap/${LINKERD_CONFIG} in ${ns}`, linkerdValues(ctx.snapshot, ns))
  if (!values.version) throw new Error(`configmap/${LINKERD_CONFIG} in ${ns} does not record linkerdVersion`)
  return values.version
}

/** Channel -> latest version, e.g. {edge: 'edge-26.8.3', stable: 'stable-2.14.10'}. */
function latestVersions(ctx: CheckContext, scope: CheckScope, current: string): Promise<Record<string, string>> {
  const url = `${ctx.settings.versionCheckUrl}?version=${encodeURIComponent(current)}&uuid=unknown&source=cli`
  return ctx.snapshot.shared('latest-versions', async () => {
    const text = await scope.waitFor(`GET ${ctx.settings.versionCheckUrl}`, ctx.fetchText(url, ctx.settings.requestTimeoutMs))
    const parsed = JSON.parse(text) as unknown
    if (parsed === null || typeof parsed !== 'object') throw new Error(`${ctx.settings.versionCheckUrl} did not answer a JSON object`)
    const channels: Record<string, string> = {}
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') channels[key] = value
    return channels
  })
}

/** Linkerd's category for these checks; meshport keeps them in linkerd-version. */
const CONTROL_PLANE_VERSION = 'control-plane-version'

export const linkerdVersion: Category<CheckContext> = {
  id: 'linkerd-version',
  name: 'linkerd-version',
  checks: [
    {
      id: 'control-plane-version',
      aliases: [CONTROL_PLANE_VERSION],
      description: 'can retrieve the control plane version',
      severity: 'error',
      retry: true,
      hint: 'l5d-version-control',
      async run(ctx, scope) {
        return pass(`control plane version ${await controlPlaneVersion(ctx, scope)}`)
      },
    },
    {
      id: 'latest-version',
      description: 'can determine the latest version',
      severity: 'warning',
      hint: 'l5d-version-latest',
      async run(ctx, scope) {
        if (ctx.settings.offline) return skip('--offline')
        const current = await controlPlaneVersion(ctx, scope)
        const channels = await latestVersions(ctx, scope, current)
        return Object.keys(channels).length > 0 ? pass() : fail('the version service listed no channel')
      },
    },
    {
      id: 'control-plane-up-to-date',
      aliases: [CONTROL_PLANE_VERSION],
      description: 'control plane is up-to-date',
      severity: 'warning',
      hint: 'l5d-version-control',
      async run(ctx, scope) {
        if (ctx.settings.offline) return skip('--offline')
        const current = await controlPlaneVersion(ctx, scope)
        const {channel} = parseLinkerdVersion(current)
        if (!channel) return fail(`unable to determine version channel of ${current}`)
        const latest = (await latestVersions(ctx, scope, current))[channel]
        if (!latest) return fail(`unable to determine the latest ${channel} version`)
        return latest === current ? pass() : fail(`is running version ${parseLinkerdVersion(current).version} but the latest ${channel} version is ${parseLinkerdVersion(latest).version}`)
      },
    },
    {
      id: 'expected-version',
      aliases: [CONTROL_PLANE_VERSION],
      description: 'control plane runs the expected version',
      severity: 'warning',
      hint: 'l5d-version-control',
      async run(ctx, scope) {
        const expected = ctx.settings.expectedVersion
        if (!expected) return skip('no --expected-version given')
        const current = await controlPlaneVersion(ctx, scope)
        return current === expected ? pass() : fail(`control plane running ${current} but ${expected} was expected`)
      },
    },
  ],
}
