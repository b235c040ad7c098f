// Which categories run in which mode, in Linkerd's global order (linkerd/linkerd2
// pkg/healthcheck/healthcheck.go allCategories, cli/cmd/check.go). The order matters: a fatal
// failure stops the categories after it.
import {controlPlaneProxy} from './categories/control-plane-proxy.js'
import {dataPlanePorts} from './categories/data-plane-ports.js'
import {dataPlane} from './categories/data-plane.js'
import {gatewayApiCrd} from './categories/gateway-api-crd.js'
import {identityDataPlane} from './categories/identity-data-plane.js'
import {kubernetesApi} from './categories/kubernetes-api.js'
import {kubernetesVersion} from './categories/kubernetes-version.js'
import {linkerdConfig} from './categories/linkerd-config.js'
import {linkerdCni} from './categories/linkerd-cni.js'
import {linkerdCrd} from './categories/linkerd-crd.js'
import {linkerdExtensions} from './categories/linkerd-extensions.js'
import {linkerdHa} from './categories/linkerd-ha.js'
import {linkerdMulticluster} from './categories/linkerd-multicluster.js'
import {linkerdViz, linkerdVizDataPlane} from './categories/linkerd-viz.js'
import {linkerdExistence} from './categories/linkerd-existence.js'
import {linkerdIdentity} from './categories/linkerd-identity.js'
import {linkerdVersion} from './categories/linkerd-version.js'
import {linkerdWebhooks} from './categories/linkerd-webhooks.js'
import {preKubernetesSetup} from './categories/pre-kubernetes-setup.js'
import type {CheckContext, CheckMode} from './context.js'
import type {Category} from './types.js'

export interface RegistryOptions {
  /** Words the certificate expiry checks ("60 days"). */
  validFor?: string
}

export function categoriesFor(mode: CheckMode, options: RegistryOptions = {}): Array<Category<CheckContext>> {
  if (mode === 'pre') return [kubernetesApi, kubernetesVersion, gatewayApiCrd, preKubernetesSetup]
  if (mode === 'crds') return [kubernetesApi, kubernetesVersion, gatewayApiCrd, linkerdCrd]
  const core = [kubernetesApi, kubernetesVersion, gatewayApiCrd, linkerdExistence, linkerdConfig, linkerdCni, linkerdIdentity(options.validFor), linkerdWebhooks(options.validFor)]
  // Installed extensions' checks come last, as `linkerd check` runs them after its own.
  const viz = linkerdViz(options.validFor)
  if (mode === 'control-plane') return [...core, linkerdVersion, controlPlaneProxy, linkerdHa, linkerdExtensions, viz, linkerdMulticluster]
  return [...core, identityDataPlane, linkerdVersion, controlPlaneProxy, dataPlane, dataPlanePorts, linkerdHa, viz, linkerdVizDataPlane, linkerdMulticluster]
}

/** Every category of every mode once, for docs and for validating --only/--skip. */
export function allCategories(): Array<Category<CheckContext>> {
  const seen = new Map<string, Category<CheckContext>>()
  for (const mode of ['pre', 'crds', 'control-plane', 'proxy'] as const) for (const category of categoriesFor(mode)) seen.set(category.id, category)
  return [...seen.values()]
}
