// A lean status (hub feature 'lean-status') leaves out resources equal to those the same link sent
// last: the hub checks it as strictly as a whole one and completes it only from what that very link
// sent; a link that sent no whole status gets nothing completed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeanStatusFrame } from '../../../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { BadFrameError, parseAgentFrame } from '../../../hub/frames.js';
import { LinkStatus } from '../../../hub/lean-status.js';

const sha = (c: string) => c.repeat(40);
const resources: StatusSnapshot['resources'] = [{ kind: 'container', name: 'web', health: 'healthy', detail: 'running' }];

function whole(applied: string): StatusSnapshot {
  return { host: 'h', version: '1', branch: 'hosts/h', revision: { applied, lastGood: applied, head: applied }, state: 'idle',
    lastSync: null, source: null, suspended: null, pending: null, resources, drift: [], hub: null };
}

function lean(applied: string): LeanStatusFrame {
  const { resources: _left, ...status } = whole(applied);
  return { t: 'status', status, resources: 'unchanged' };
}

describe('lean status frames', () => {
  it('are checked as strictly as a whole status, and only with resources said to be unchanged', () => {
    assert.deepEqual(parseAgentFrame(JSON.stringify(lean(sha('a')))), lean(sha('a')));
    const frame = lean(sha('a'));
    assert.throws(() => parseAgentFrame(JSON.stringify({ ...frame, status: { ...frame.status, state: '<img>' } })), /status\.state/);
    assert.throws(() => parseAgentFrame(JSON.stringify({ ...frame, resources: 'same-as-yesterday' })), BadFrameError);
    assert.throws(() => parseAgentFrame(JSON.stringify({ ...frame, status: whole(sha('a')) })), BadFrameError, 'resources both left out and sent');
    assert.throws(() => parseAgentFrame(JSON.stringify({ t: 'status', status: frame.status })), /resources/, 'a whole status still needs them');
  });

  it('get the resources of the last whole status of the same link', () => {
    const link = new LinkStatus();
    const first = { t: 'status', status: whole(sha('a')) } as const;
    assert.equal(link.complete(first), first, 'a whole status passes as it is');
    assert.deepEqual(link.complete(lean(sha('b'))), { t: 'status', status: whole(sha('b')) });
    const moved: StatusSnapshot['resources'] = [{ kind: 'container', name: 'web', health: 'unhealthy', detail: 'exited' }];
    link.complete({ t: 'status', status: { ...whole(sha('c')), resources: moved } });
    const completed = link.complete(lean(sha('d')));
    assert.ok(completed?.t === 'status');
    assert.deepEqual(completed.status.resources, moved, 'from the newest whole status');
  });

  it('are not completed on a link that sent no whole status, whatever another link of the host sent', () => {
    const other = new LinkStatus();
    other.complete({ t: 'status', status: whole(sha('a')) });
    const fresh = new LinkStatus();
    assert.equal(fresh.complete(lean(sha('b'))), null);
    const beat = { t: 'heartbeat', at: '2026-01-01T00:00:00.000Z', metrics: null } as const;
    assert.equal(fresh.complete(beat), beat, 'other frames pass as they are');
  });

  it('complete the same frame object to the same message, so that a status resent unchanged is not kept again', () => {
    const link = new LinkStatus();
    link.complete({ t: 'status', status: whole(sha('a')) });
    const frame = lean(sha('b'));
    assert.equal(link.complete(frame), link.complete(frame));
  });
});
