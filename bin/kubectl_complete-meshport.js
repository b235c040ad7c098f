#!/usr/bin/env node
// kubectl's plugin completion (kubectl 1.26+): `kubectl meshport <TAB>` runs
// kubectl_complete-meshport with the words typed after `kubectl meshport` and reads cobra's
// `__complete` output, which `meshport __complete` prints.
process.argv.splice(2, 0, '__complete', '--')
await import('./run.js')
