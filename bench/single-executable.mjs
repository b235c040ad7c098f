#!/usr/bin/env node
// Start-up of the single executable (dist-bin/meshport, `npm run build:binary`) against `node -e 0`
// (target, issue 22: within 1.5x), and each of its commands against bin/run.js doing the same
// thing. Runs alternate (A B A B ...) and ratios are taken pair by pair, so the load of a shared
// machine falls on both sides alike; medians are printed. Also the executable's size.
//
//   node scripts/build-binary.mjs && node bench/single-executable.mjs [--runs 20]
import {spawn} from 'node:child_process'
import {statSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {median, option} from './spawn-cli.mjs'

const runs = Number(option('runs', '20'))
const exe = fileURLToPath(new URL('../dist-bin/meshport', import.meta.url))
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const example = fileURLToPath(new URL('../examples/emojivoto.yml', import.meta.url))

function timed(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'ignore']})
    child.on('error', reject)
    child.on('close', (code) => resolve({code, ms: performance.now() - started}))
  })
}

async function pair(label, a, b) {
  const ratios = []
  const as = []
  const bs = []
  await timed(...a)
  await timed(...b)
  for (let i = 0; i < runs; i++) {
    const x = await timed(...a)
    const y = await timed(...b)
    as.push(x.ms)
    bs.push(y.ms)
    ratios.push(x.ms / y.ms)
  }
  console.log(`${label.padEnd(44)} ${median(as).toFixed(0).padStart(5)} ms  vs ${median(bs).toFixed(0).padStart(5)} ms  ratio ${median(ratios).toFixed(2)}`)
}

console.log(`dist-bin/meshport: ${(statSync(exe).size / 1024 / 1024).toFixed(1)} MiB, ${runs} alternated runs, medians`)
await pair('--version vs node -e 0', [exe, ['--version']], [process.execPath, ['-e', '0']])
await pair('--version vs bin/run.js --version', [exe, ['--version']], [process.execPath, [bin, '--version']])
await pair('--help vs bin/run.js --help', [exe, ['--help']], [process.execPath, [bin, '--help']])
await pair('inject examples/emojivoto.yml vs bin/run.js', [exe, ['inject', example]], [process.execPath, [bin, 'inject', example]])
await pair('check --help vs bin/run.js', [exe, ['check', '--help']], [process.execPath, [bin, 'check', '--help']])
