// Drill: the test bed's own engine wedges (alive, `docker info` never answers, as dockerd 20.10
// does when it deadlocks in libnetwork; here by SIGSTOP). `docker.sh check` (and `start`) notice
// it and put a working engine in its place instead of letting CI hang.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { SecondEngine } from '../../drills/second-engine.js';

function dockerInfo(socket: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['-H', `unix://${socket}`, 'info', '--format', '{{.ID}}'], { timeout: timeoutMs }, (err) => resolve(err === null));
  });
}

describe('a wedged private engine', () => {
  let engine: SecondEngine;

  before(async () => {
    engine = await SecondEngine.start('wedge-engine', []);
  });

  after(async () => {
    if (engine) {
      try {
        process.kill(engine.pid(), 'SIGCONT');
      } catch {
        // already gone or replaced
      }
      await engine.stop();
    }
  });

  it('is noticed by docker.sh check and replaced by one that answers', async () => {
    const wedged = engine.pid();
    process.kill(wedged, 'SIGSTOP');
    assert.equal(await dockerInfo(engine.socket, 2_000), false, 'a stopped dockerd does not answer');
    const started = Date.now();
    await engine.check({ MOOR_BED_PROBE_SECONDS: '3' });
    assert.notEqual(engine.pid(), wedged, 'a new dockerd');
    assert.equal(await dockerInfo(engine.socket, 30_000), true);
    assert.ok(Date.now() - started < 120_000);
    assert.throws(() => process.kill(wedged, 0), 'the wedged dockerd is gone');
  });
});
