// The single binary's libraries loaded on demand (agent/sea-libraries.ts): each group is an asset
// compiled as a CommonJS module once, at its first use, and never before.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { installSeaLibraries, runLibraryAsset } from '../../../agent/sea-libraries.js';

afterEach(() => {
  globalThis.__moorLibrary = undefined;
});

describe("the binary's libraries loaded on demand", () => {
  it('runs an asset as a CommonJS module: exports, module.exports, require of built-ins, its file name', () => {
    const source = `const { join } = require('node:path'); exports.joined = join('a', 'b'); module.exports.file = __filename; module.exports.dir = __dirname;`;
    const lib = runLibraryAsset('lib/test.cjs', source, '/usr/bin/moor');
    assert.deepEqual(lib, { joined: join('a', 'b'), file: '/usr/bin/moor/lib/test.cjs', dir: '/usr/bin/moor' });
  });

  it('takes what the bundle assigns to module.exports', () => {
    const lib = runLibraryAsset('lib/x.cjs', `module.exports = { dockerode: function Docker() {} };`);
    assert.equal(typeof lib['dockerode'], 'function');
  });

  it('compiles a group once, at its first use, and only the group asked for', () => {
    const asked: string[] = [];
    installSeaLibraries((name) => {
      asked.push(name);
      return `module.exports = { count: (globalThis.__moorTestCount = (globalThis.__moorTestCount ?? 0) + 1) };`;
    });
    assert.deepEqual(asked, []);
    const first = globalThis.__moorLibrary?.('engine');
    const again = globalThis.__moorLibrary?.('engine');
    assert.equal(first, again);
    assert.deepEqual(asked, ['lib/engine.cjs']);
    globalThis.__moorLibrary?.('git');
    assert.deepEqual(asked, ['lib/engine.cjs', 'lib/git.cjs']);
  });

  it('fails, naming the asset in the stack, when the asset is not JavaScript', () => {
    assert.throws(() => runLibraryAsset('lib/bad.cjs', 'this is not javascript', '/usr/bin/moor'), (err: unknown) => err instanceof SyntaxError && (err.stack ?? '').includes('/usr/bin/moor/lib/bad.cjs'));
  });
});
