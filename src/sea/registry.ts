// The modules the single executable's oclif loads by path (src/sea/module-loader.ts answers its
// loads from here): the command map and the hooks, registered by src/sea/main.ts under the paths
// package.json gives them, relative to the CLI's root.
export const bundledModules = new Map<string, unknown>()
