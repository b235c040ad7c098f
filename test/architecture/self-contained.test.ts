// A clone is all there is: no tracked file reads or points at a path outside the repository (the
// research notes and conformance data this project started from live beside the checkout on its
// own machines only). Linkerd's vendored goldens (test/testdata/) name their origin and are exempt.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {repoRoot} from '../helpers/testdata.js'

// Spelled in pieces so that this file does not match itself.
const OUTSIDE = ['shared', 'work'].flatMap((dir) => (dir === 'work' ? [`/${dir}/`] : [`../${dir}/`, `${dir}/reference`, `${dir}/conformance`, `${dir}/DESIGN`]))

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: repoRoot, encoding: 'utf8'}).split('\0').filter((path) => path !== '' && !path.startsWith('test/testdata/'))
}

test('no tracked file points outside the repository', () => {
  const files = trackedFiles()
  assert.ok(files.length > 100, `git ls-files listed ${files.length} files`)
  const found: string[] = []
  for (const path of files) {
    let text: string
    try {
      text = readFileSync(join(repoRoot, path), 'utf8')
    } catch {
      continue // deleted in the working tree
    }
    if (text.includes('\0')) continue // binary
    text.split('\n').forEach((line, i) => {
      for (const pattern of OUTSIDE) if (line.includes(pattern)) found.push(`${path}:${i + 1}: ${pattern}`)
    })
  }
  assert.deepEqual(found, [], 'cite the upstream source (e.g. linkerd/linkerd2 path) or a file of this repository instead')
})
