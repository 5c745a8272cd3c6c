// Drill: the state directory on a full filesystem (a small tmpfs). The agent reports the error,
// applies nothing half-way, stays up, and applies the commit once space returns.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { DrillHost, sleep, stackCompose } from '../../drills/drill-host.js';

/** Writes zeros into `file` until the filesystem is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // Single bytes too, so that not even a page is left.
  const tail = openSync(`${file}.tail`, 'w');
  try {
    for (;;) writeSync(tail, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
}

describe('the state directory on a full filesystem', () => {
  const mountDir = mkdtempSync(join(tmpdir(), 'moor-fulldisk-'));
  const stateDir = join(mountDir, 'state');
  const filler = join(mountDir, 'filler');
  let drill: DrillHost;
  let mounted = false;
  const a = stackCompose('fulldisk', 3, () => ({ V: '1' }));
  const b = stackCompose('fulldisk', 4, () => ({ V: '2' }));

  before(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'moor-drill-tmpfs', mountDir]);
    mounted = true;
    mkdirSync(stateDir);
    drill = await DrillHost.create({ host: uniqueHostId('fulldisk'), project: 'fulldisk', dockerSocket: dockerSocket(), intervalMs: 2000, stateDir });
    const first = await drill.commit({ 'compose.yaml': a }, 'first');
    drill.start();
    await drill.waitApplied(first);
  });

  after(async () => {
    await drill?.close();
    if (mounted) execFileSync('umount', [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it('reports the error, applies nothing of the new commit and stays up while the disk is full', async () => {
    fill(filler);
    const second = await drill.commit({ 'compose.yaml': b, 'files/big.txt': 'x'.repeat(256 * 1024) }, 'second, while the disk is full');
    const outcome = await drill.sync().catch((err: unknown) => ({ result: 'control-error', error: { message: String(err) } }));
    assert.notEqual(outcome.result, 'converged');
    // Several polls while full: nothing changes, the agent stays up.
    await sleep(5000);
    assert.equal(drill.agent?.exited(), false, 'the agent died on a full disk');
    assert.deepEqual(await drill.divergence(a), [], 'the engine must still run exactly the first commit');
    const status = await drill.status();
    assert.notEqual(status.revision.applied, second);
    const said = JSON.stringify({ lastSync: status.lastSync, source: status.source });
    assert.match(said, /ENOSPC|SQLITE_FULL|no space|full/i, `status does not say the disk is full: ${said}`);
  });

  it('applies the commit once space returns', async () => {
    rmSync(filler, { force: true });
    rmSync(`${filler}.tail`, { force: true });
    const head = (await drill.repo.git(['rev-parse', drill.branch])).trim();
    await drill.waitApplied(head, 30_000);
    assert.deepEqual(await drill.divergence(b), []);
  });
});
