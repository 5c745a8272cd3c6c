// Entry of the bundles packaging/bundle.mjs writes: the node build's build/moor.cjs and the single
// executable (packaging/build.sh). The executable first writes its embedded better-sqlite3 addon
// once into the cache directory, loads it from there and tells the store where it is. Then either
// runs the CLI, or one of the agent's child processes when started with its hidden verb.

// First: it sets the daemon's V8 flags before any other module is evaluated.
import './resident-v8.js';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as sea from 'node:sea';
import { CHECKOUT_VERB, ENGINE_VERB, LOAD_VERB } from './contracts/child-verbs.js';
import { installSeaLibraries } from './sea-libraries.js';
import { addonCacheCandidates } from './sqlite/native.js';

declare const __MOOR_ADDON_ID__: string | undefined;

declare global {
  // better-sqlite3 loads a `nativeBinding` path with this when it is a function (webpack's
  // convention); inside a single executable the plain `require` only knows built-in modules.
  var __non_webpack_require__: ((id: string) => unknown) | undefined;
}

const ASSET = 'better_sqlite3.node';

/** Writes the addon into `dir` unless an identical copy is there, and returns its path. */
function extractInto(dir: string, addon: Buffer, id: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `better_sqlite3-${id}.node`);
  try {
    if (statSync(file).size === addon.length) return file;
  } catch {
    // not extracted yet
  }
  // Write then rename: an agent and a CLI starting together never load a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, addon, { mode: 0o600 });
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return file;
}

function prepareAddon(): void {
  const addon = Buffer.from(sea.getAsset(ASSET));
  const id = typeof __MOOR_ADDON_ID__ === 'string' ? __MOOR_ADDON_ID__ : String(addon.length);
  const problems: string[] = [];
  for (const dir of addonCacheCandidates(process.env, process.getuid?.() ?? -1)) {
    try {
      const file = extractInto(dir, addon, id);
      const load = createRequire(file);
      // Loading now proves the folder allows exec (a noexec mount fails here, not mid-sync);
      // later loads of the same path hit the module cache.
      load(file);
      globalThis.__non_webpack_require__ = load;
      process.env.MOOR_SQLITE_BINDING = file;
      return;
    } catch (err) {
      problems.push(`${dir}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  // Verbs that never open SQLite (version, validate, help) still work; the others say why not.
  const why = `cannot load the embedded SQLite addon from a cache directory (needs a writable folder that allows exec; set CACHE_DIRECTORY or XDG_CACHE_HOME): ${problems.join('; ')}`;
  globalThis.__non_webpack_require__ = () => {
    throw new Error(why);
  };
  process.env.MOOR_SQLITE_BINDING = '/nonexistent/better_sqlite3.node';
}

if (sea.isSea()) {
  prepareAddon();
  installSeaLibraries((name) => sea.getAsset(name, 'utf8'));
}
// main.js starts the CLI when it is loaded: only after the addon is in place. The checkout child
// (source/checkout-child.ts), the load child (commit-load/load-child.ts) and the engine child
// (executors/docker/engine-child.ts) are this bundle run with their verb, and load only what they need.
if (process.argv[2] === CHECKOUT_VERB) void import('./source/checkout-main.js');
else if (process.argv[2] === ENGINE_VERB) void import('./executors/docker/engine-child-main.js');
else if (process.argv[2] === LOAD_VERB) void import('./commit-load/load-main.js');
else void import('./main.js');
