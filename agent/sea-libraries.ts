// The single binary's libraries loaded on demand (dockerode, isomorphic-git, openpgp, fastify, ...):
// packaging/bundle.mjs bundles each group of them apart from the main script and embeds it as an
// asset; the main script asks for a group through globalThis.__moorLibrary when a verb or a sync
// first imports one of them. So the daemon holds no code of a library it does not use: one script
// of everything cost it 26 MB (docs/benchmarks.md).

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

declare global {
  // Set by installSeaLibraries, called by the bundle's stand-ins for those libraries.
  var __moorLibrary: ((group: string) => Record<string, unknown>) | undefined;
}

/** The wrapper node gives a CommonJS module: the asset is compiled as one. */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;

/** Compiles and runs one asset as a CommonJS module; its require loads node's built-in modules. */
export function runLibraryAsset(name: string, source: string, executable: string = process.execPath): Record<string, unknown> {
  const filename = join(executable, name);
  const wrapper: unknown = new Script(wrap(source), { filename }).runInThisContext();
  if (typeof wrapper !== 'function') throw new Error(`${name}: not a CommonJS module`);
  const module: { exports: Record<string, unknown> } = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(executable), module, filename, executable);
  return module.exports;
}

/** Makes the groups available to the main script, each compiled once, at its first use. */
export function installSeaLibraries(getAsset: (name: string) => string): void {
  const loaded = new Map<string, Record<string, unknown>>();
  globalThis.__moorLibrary = (group) => {
    let exports = loaded.get(group);
    if (exports === undefined) {
      exports = runLibraryAsset(`lib/${group}.cjs`, getAsset(`lib/${group}.cjs`));
      loaded.set(group, exports);
    }
    return exports;
  };
}
