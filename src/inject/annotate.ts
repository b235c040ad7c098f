// Default mode, as `linkerd inject` without --manual: annotate the pod template so the cluster's
// proxy injector adds the proxy at admission. `linkerd.io/inject: enabled` (or `ingress`) plus one
// `config.linkerd.io/*` annotation per proxy flag that differs from the baseline.
import {ANNOTATION} from '../mesh/names.js'
import {registerHandler, type InjectOptions, type Path, type PodTemplateHandler} from './types.js'
import type {TreeEditor} from './edit.js'

/** The annotations annotate mode writes, in order. */
export function injectAnnotations(options: InjectOptions): Array<readonly [string, string]> {
  return [[ANNOTATION.inject, options.ingress ? 'ingress' : 'enabled'], ...options.overrides]
}

export function writeAnnotations(edit: TreeEditor, metadataPath: Path, annotations: ReadonlyArray<readonly [string, string]>): void {
  for (const [key, value] of annotations) edit.set([...metadataPath, 'annotations', key], value)
}

export const annotateHandler: PodTemplateHandler = {
  mode: 'annotate',
  inject(ctx) {
    writeAnnotations(ctx.edit, [...ctx.templatePath, 'metadata'], injectAnnotations(ctx.options))
    return {kind: 'injected'}
  },
}

registerHandler(annotateHandler)
