import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LIMITS } from '../../../agent/desired/repo-files.js';
import { DEFAULT_PROJECTS_DIR, validateDir } from '../../../agent/desired/load.js';
import { assertProblem, configDir, load, POLICY, problems } from './fixtures.js';

const SIXTEEN_MB = 16 * 1024 * 1024;

function manifestSharing(entries: number, source: string): string {
  const lines = ['files:'];
  for (let i = 0; i < entries; i++) lines.push(`  - { path: /etc/moor-files/copy-${i}.bin, source: ${source} }`);
  return `${lines.join('\n')}\n`;
}

describe('resource limits per commit', () => {
  it('refuses 40 files: entries sharing one 16 MB source before reading it 40 times', async () => {
    const dir = await configDir({ 'moor.yaml': manifestSharing(40, 'files/big.bin'), 'files/.keep': '' });
    await writeFile(path.join(dir, 'files/big.bin'), Buffer.alloc(SIXTEEN_MB));
    const before = process.memoryUsage().rss;
    const list = await validateDir(dir, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
    const grew = process.memoryUsage().rss - before;
    assertProblem(list, { file: 'moor.yaml', line: 1, key: 'files', message: /sources total 671088640 bytes.*limit/ });
    assert.ok(grew < 64 * 1024 * 1024, `validate grew RSS by ${Math.round(grew / 1048576)} MB`);
  });
  it('refuses more files: entries than the limit', async () => {
    const list = await problems({ 'moor.yaml': manifestSharing(LIMITS.fileEntries + 1, 'files/a'), 'files/a': 'x' });
    assertProblem(list, { file: 'moor.yaml', line: 1, key: 'files', message: /more than the limit of 512/ });
  });
  it('refuses a config dir larger than the limit as a whole', async () => {
    const dir = await configDir({ 'compose.yaml': 'services: {}\n' });
    for (let i = 0; i < 5; i++) await writeFile(path.join(dir, `blob-${i}`), Buffer.alloc(SIXTEEN_MB));
    const list = await validateDir(dir, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
    assertProblem(list, { file: '.', line: 1, key: '', message: /more than 67108864 bytes/ });
  });
  it('shares one copy of a source named by several entries', async () => {
    const state = await load({ 'moor.yaml': manifestSharing(3, 'files/a'), 'files/a': 'same' });
    assert.equal(state.files.length, 3);
    assert.ok(state.files.every((f) => f.contentBase64 === Buffer.from('same').toString('base64')));
  });
});

describe('a commit that makes the loader throw', () => {
  it('is invalid (a problem), not an exception the agent would retry', async () => {
    let value = 'x';
    for (let i = 0; i < 6000; i++) value = `\${A:-${value}}`;
    const list = await problems({ 'compose.yaml': `services:\n  web:\n    image: local/busybox:1\n    command: "${value}"\n` });
    assert.ok(list.length > 0, 'no problem reported');
  });
});
