#!/usr/bin/env node
// Runs src/ directly (oclif registers tsx itself); for local work only.
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
