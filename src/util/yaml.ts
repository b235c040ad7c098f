// The yaml library, loaded on its first use. inject reads block-style manifests with its own
// scanner and writes annotations itself, so most runs never need yaml; loading it costs about a
// fifth of Node's start-up (72 modules). Synchronous (require), because the engine is.
import {createRequire} from 'node:module'

type YamlLibrary = typeof import('yaml')

let library: YamlLibrary | undefined

export function yaml(): YamlLibrary {
  library ??= createRequire(import.meta.url)('yaml') as YamlLibrary
  return library
}
