import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {repoRoot} from '../helpers/testdata.js'
import {describeViolation, floorViolations, importsOf, KNOWN_EXCEPTIONS, sourceFiles} from './floors.js'

const planted = (path: string, text: string) => floorViolations(new Map([[path, text]])).map(describeViolation)

describe('the floors of src/ (docs/architecture.md)', () => {
  const files = sourceFiles(repoRoot)

  test('no import goes up a floor', () => {
    assert.ok(files.size > 100, `read ${files.size} files under src/`)
    assert.deepEqual(floorViolations(files).map(describeViolation), [])
  })

  test('every known exception still exists (remove it from KNOWN_EXCEPTIONS once fixed)', () => {
    const edges = [...files].flatMap(([path, text]) => importsOf(path, text))
    for (const known of KNOWN_EXCEPTIONS) assert.ok(edges.some((e) => e.from === known.from && e.to === known.to), `${known.from} → ${known.to} is gone`)
  })

  test('a planted violation is reported with its file, line and rule', () => {
    assert.deepEqual(planted('src/diagnose/planted.ts', "// a comment\nimport {renderPodReport} from '../output/diagnose-pod.js'\n"), [
      'src/diagnose/planted.ts:2 imports src/output/diagnose-pod.ts: src/output draws text for commands only: domain code returns data and the command renders it (docs/architecture.md#floors)',
    ])
    assert.match(planted('src/kube/planted.ts', "import type {KubeOptions} from '../cluster-command.js'\n")[0] ?? '', /src\/kube imports nothing above it/)
    assert.match(planted('src/mesh/planted.ts', "import {podName} from '../checks/pods.js'\n")[0] ?? '', /src\/mesh holds Linkerd facts/)
    assert.match(planted('src/checks/planted.ts', "export {Check as default} from '../commands/check.js'\n")[0] ?? '', /must not import src\/commands/)
    assert.match(planted('src/commands/planted.ts', "const {x} = await import('./check.js')\n")[0] ?? '', /does not import another command/)
    assert.match(planted('src/commands/planted.ts', "import {createKubeClient} from '../kube/index.js'\n")[0] ?? '', /through ClusterCommand.kube/)
    assert.match(planted('src/metrics/planted.ts', "import {PortForwarder} from '../kube/port-forward.js'\n")[0] ?? '', /only src\/kube talks to the cluster/)
  })

  test('src/inject takes only the client type from src/kube; other domain code may use its pure parts', () => {
    assert.deepEqual(planted('src/inject/planted.ts', "import type {KubeClient} from '../kube/types.js'\nimport {type V1Pod} from '../kube/types.js'\n"), [])
    assert.match(planted('src/inject/planted.ts', "import {KubeErrorCode} from '../kube/types.js'\n")[0] ?? '', /src\/inject works offline/)
    assert.match(planted('src/inject/planted.ts', "type K = import('../kube/selectors.js').LabelRequirement\n")[0] ?? '', /src\/inject works offline/)
    assert.deepEqual(planted('src/metrics/planted.ts', "import {parseLabelSelector} from '../kube/selectors.js'\nimport {KubeErrorCode} from '../kube/types.js'\n"), [])
  })

  test('going down is always allowed', () => {
    const down = "import {BaseCommand} from '../base-command.js'\nimport {renderCheckJson} from '../output/check-json.js'\nimport {runCheckSuite} from '../checks/suite.js'\nimport {ANNOTATION} from '../mesh/names.js'\nimport {UsageError} from '../errors.js'\n"
    assert.deepEqual(planted('src/commands/planted.ts', down), [])
    assert.deepEqual(planted('src/commands/planted.ts', "import {openKube} from '../kube/connect.js'\n"), [])
    assert.deepEqual(planted('src/output/planted.ts', "import type {CheckReport} from '../checks/types.js'\nimport {ANNOTATION} from '../mesh/names.js'\n"), [])
  })
})
