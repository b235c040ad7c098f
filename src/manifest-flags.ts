// The flags inject and uninject share: output format and the action (print, --diff, --check,
// --in-place), plus custom pod-template kinds. What they do is src/manifest-run.ts.
import {Flags} from '@oclif/core'

export const manifestFlags = {
  output: Flags.option({char: 'o', description: 'Output format (default: the format of each input).', options: ['yaml', 'json'] as const})(),
  diff: Flags.boolean({default: false, description: 'Print a unified diff instead of the manifests; exit 0 no change, 1 changes, >1 error (like kubectl diff).', exclusive: ['check', 'in-place']}),
  check: Flags.boolean({default: false, description: 'Print the inputs that would change and exit 1 if any would (for CI and pre-commit).', exclusive: ['diff', 'in-place']}),
  'in-place': Flags.boolean({default: false, description: 'Rewrite the given files atomically instead of printing.', exclusive: ['diff', 'check']}),
  'pod-template-path': Flags.string({description: 'Pod template location of a custom kind, KIND=.path (repeatable; KIND may be group/Kind). Argo Rollouts are known already.', multiple: true}),
}
