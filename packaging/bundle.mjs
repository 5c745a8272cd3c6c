// Bundles the CLI (entry agent/bundle-entry.ts) into CommonJS, in two forms:
// - the single executable's (build.sh): OUT.cjs, the main script, holds moor's code and the
//   libraries every verb loads; each group of the libraries loaded only on demand (LIBRARIES) is a
//   bundle of its own, DIR/lib-GROUP.cjs, embedded as an asset and compiled when a verb or a sync
//   first needs it (agent/sea-libraries.ts); optional native modules stubbed, better-sqlite3's
//   addon loaded from the extracted asset. OUT.assets.json lists the assets for the SEA config.
//   usage: node packaging/bundle.mjs OUT.cjs VERSION BUILD ADDON_ID
// - the node build's, build/moor.cjs (`npm run build`, package.json's bin): the same main script;
//   the native addon and the libraries loaded on demand stay in node_modules and load from there.
//   usage: node packaging/bundle.mjs --node OUT.cjs
// Either way the daemon never holds the code of a library it does not use: one script of
// everything cost the daemon 26 MB more (docs/benchmarks.md has the figures).

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const nodeBuild = process.argv[2] === '--node';
const [out, version, buildId, addonId] = nodeBuild
  ? [process.argv[3], JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version, 'dev', 'node_modules']
  : process.argv.slice(2);
if (!out || !version || !buildId || !addonId) {
  process.stderr.write('usage: node packaging/bundle.mjs OUT.cjs VERSION BUILD ADDON_ID | --node OUT.cjs\n');
  process.exit(2);
}

/**
 * The libraries loaded only by `import()` (or by modules loaded that way) when a verb or a sync
 * needs them, in groups that are loaded together: a group shares its dependencies.
 */
const LIBRARIES = {
  engine: ['dockerode', 'tar-stream'],
  git: ['isomorphic-git'],
  openpgp: ['openpgp'],
  // The three of systeminformation's modules that heartbeats use (agent/reporter/host-metrics.ts).
  sysinfo: ['systeminformation/lib/cpu.js', 'systeminformation/lib/memory.js', 'systeminformation/lib/osinfo.js'],
  age: ['age-encryption'],
  cron: ['node-cron'],
  hub: ['fastify', '@fastify/cookie', '@fastify/helmet', '@fastify/rate-limit', 'pg', 'openid-client', 'ajv'],
};

/** Modules replaced by a few lines: what they do is not reachable from moor, or is done differently. */
const STUBS = {
  // better-sqlite3 finds its addon through `bindings`; in the binary bundle-entry.ts has loaded it.
  bindings: `module.exports = function () {
    if (typeof globalThis.__non_webpack_require__ !== 'function' || !process.env.MOOR_SQLITE_BINDING) throw new Error('better-sqlite3 addon not prepared');
    return globalThis.__non_webpack_require__(process.env.MOOR_SQLITE_BINDING);
  };`,
  // docker-modem pulls ssh2 (and its optional native cpu-features / sshcrypto) for ssh:// engines;
  // moor talks to the engine over a unix socket or tcp only.
  // dockerode loads BuildKit's gRPC session support at start; moor never builds images, and
  // those modules cost about 1 MB of code and several MB of memory.
  '@grpc/grpc-js': `module.exports = new Proxy({}, { get() { throw new Error('image builds are not supported by moor'); } });`,
  '@grpc/proto-loader': `module.exports = new Proxy({}, { get() { throw new Error('image builds are not supported by moor'); } });`,
  protobufjs: `module.exports = new Proxy({}, { get() { throw new Error('image builds are not supported by moor'); } });`,
  ssh2: `class Client { constructor() { throw new Error('ssh:// Docker hosts are not supported by moor: use a unix socket or tcp'); } }
  module.exports = { Client };`,
};

// Optional dependencies that are absent here: loaded inside try/catch by ws, debug and
// systeminformation. Stubbed rather than left external, so the binary's require (built-ins only)
// is never asked and never prints its warning.
const ABSENT = ['bufferutil', 'utf-8-validate', 'cpu-features', 'supports-color', 'osx-temperature-sensor', 'macos-temperature-sensor'];
for (const name of ABSENT) {
  STUBS[name] = `throw Object.assign(new Error("Cannot find module '${name}'"), { code: 'MODULE_NOT_FOUND' });`;
}

const stubPlugin = {
  name: 'moor-stubs',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(STUBS).map((k) => k.replace(/[/.@-]/g, (c) => `\\${c}`)).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'moor-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'moor-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

/**
 * zod's `z.locales`: its error messages in 60 languages, 262 KB of the 1.3 MB main script that
 * every verb compiles and the daemon keeps. moor reports in English (zod's default, which zod
 * loads apart) and never reads z.locales: an empty module stands in.
 */
const zodLocalesPlugin = {
  name: 'moor-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer) ? { path: 'zod-locales', namespace: 'moor-zod-locales' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'moor-zod-locales' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** In the binary: each library of LIBRARIES is taken from its group's asset (agent/sea-libraries.ts). */
const libraryPlugin = {
  name: 'moor-libraries',
  setup(b) {
    const groupOf = new Map(Object.entries(LIBRARIES).flatMap(([group, names]) => names.map((name) => [name, group])));
    const filter = new RegExp(`^(${[...groupOf.keys()].map((k) => k.replace(/[/.@-]/g, (c) => `\\${c}`)).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'moor-library' }));
    b.onLoad({ filter: /.*/, namespace: 'moor-library' }, (args) => ({
      contents: `module.exports = globalThis.__moorLibrary(${JSON.stringify(groupOf.get(args.path))})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

/** The node build's packages left in node_modules: the native addon and the libraries loaded on demand. */
const NODE_EXTERNAL = [
  'better-sqlite3', ...Object.values(LIBRARIES).flat(),
  // Optional dependencies of ws, loaded inside try/catch.
  'bufferutil', 'utf-8-validate',
];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Smaller source means less heap for V8 to keep it; names are kept for error classes.
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // ESM dependencies (node-cron, openpgp) read import.meta.url at load time; in the binary the
  // closest truth is the executable itself, in the node build the bundle.
  banner: {
    js: nodeBuild
      ? '#!/usr/bin/env node\nvar __moor_import_meta_url = require("node:url").pathToFileURL(__filename).href;'
      : 'var __moor_import_meta_url = require("node:url").pathToFileURL(process.execPath).href;',
  },
  define: {
    'import.meta.url': '__moor_import_meta_url',
    __MOOR_VERSION__: JSON.stringify(version),
    __MOOR_BUILD__: JSON.stringify(buildId),
    __MOOR_ADDON_ID__: JSON.stringify(addonId),
    __MOOR_BUNDLE__: 'true',
  },
};

const outputs = [];
const main = await build({
  ...common,
  entryPoints: ['agent/bundle-entry.ts'],
  outfile: out,
  ...(nodeBuild ? { external: NODE_EXTERNAL, plugins: [zodLocalesPlugin] } : { plugins: [zodLocalesPlugin, stubPlugin, libraryPlugin] }),
});
outputs.push(main);
if (nodeBuild) {
  chmodSync(out, 0o755);
} else {
  const assets = {};
  for (const [group, names] of Object.entries(LIBRARIES)) {
    const file = join(dirname(out), `lib-${group}.cjs`);
    const entry = `module.exports = { ${names.map((n) => `${JSON.stringify(n)}: require(${JSON.stringify(n)})`).join(', ')} };`;
    outputs.push(await build({ ...common, stdin: { contents: entry, resolveDir: process.cwd(), sourcefile: `lib-${group}.js`, loader: 'js' }, outfile: file, plugins: [stubPlugin] }));
    assets[`lib/${group}.cjs`] = file;
  }
  writeFileSync(`${out}.assets.json`, `${JSON.stringify(assets, null, 2)}\n`);
}
const mb = (result) => (Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0) / 1024 / 1024).toFixed(1);
process.stdout.write(`bundle ${out}: ${mb(main)} MB${outputs.length > 1 ? `; libraries loaded on demand ${outputs.slice(1).map(mb).join(' + ')} MB` : ''}\n`);
