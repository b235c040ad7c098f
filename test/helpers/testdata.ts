// Paths of the test data kept in the repository: test/testdata/linkerd2/ holds Linkerd's own
// goldens (origin, licence and refresh steps in its README).
import {fileURLToPath} from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** A path under test/testdata/linkerd2/, e.g. `inject/cases.json`. */
export function linkerd2Testdata(relative: string): string {
  return fileURLToPath(new URL(`../testdata/linkerd2/${relative}`, import.meta.url))
}
