// What the node build's main script (build/moor.cjs, packaging/bundle.mjs) holds and leaves out:
// every verb compiles it and the daemon keeps its source in memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const MAIN = path.resolve('build/moor.cjs');

describe('the main script of the node build', () => {
  it("leaves zod's translations of its messages out", async () => {
    const source = await readFile(MAIN, 'utf8');
    // zod's Dutch and Indonesian for "invalid input" (node_modules/zod/v4/locales/nl.js, id.js).
    assert.doesNotMatch(source, /Ongeldige invoer/);
    assert.doesNotMatch(source, /Input tidak valid/);
  });
  it("still reports a schema's problems in English, naming the file and key", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moor-bundle-'));
    await writeFile(path.join(dir, 'compose.yaml'), 'services:\n  app:\n    image: local/busybox:1\n    restart: 7\n');
    const run = spawnSync(process.execPath, [MAIN, 'validate', dir], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout + run.stderr, /^compose\.yaml:4: services\.app\.restart: Invalid input: expected string, received number$/m);
  });
});
