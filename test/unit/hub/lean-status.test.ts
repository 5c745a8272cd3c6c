// A lean status (hub feature 'lean-status') leaves out resources equal to those the same link sent
// last: the hub checks it as strictly as a whole one and completes it only from what that very link
// sent; a link that sent no whole status gets nothing completed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentFrame, LeanEventsFrame, LeanStatusFrame } from '../../../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { BadFrameError, parseAgentFrame } from '../../../hub/frames.js';
import { LinkStatus, statusLost } from '../../../hub/lean-status.js';

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

  it('take the resources of a whole status that rode on an events frame, even for a lean frame completed before it', () => {
    const link = new LinkStatus();
    link.complete({ t: 'status', status: whole(sha('a')) });
    const frame = lean(sha('b'));
    link.complete(frame);
    const moved: StatusSnapshot['resources'] = [{ kind: 'container', name: 'web', health: 'unhealthy', detail: 'exited' }];
    link.complete({ t: 'events', events: [], status: { ...whole(sha('c')), resources: moved } });
    const again = link.complete(frame);
    assert.ok(again?.t === 'status');
    assert.deepEqual(again.status.resources, moved, 'not the resources the frame was completed with before');
  });

  it('ride on an events frame, checked as strictly, completed from the link, and never at the cost of the events', () => {
    const entry = { seq: 1, at: '2026-01-01T00:00:00.000Z', event: { type: 'sync.succeeded' as const, commit: sha('b'), changes: 1, durationMs: 5 } };
    const { status: leanB } = lean(sha('b'));
    const frame: LeanEventsFrame = { t: 'events', events: [entry], status: leanB, resources: 'unchanged' };
    assert.deepEqual(parseAgentFrame(JSON.stringify(frame)), frame);
    assert.throws(() => parseAgentFrame(JSON.stringify({ ...frame, status: { ...leanB, state: '<img>' } })), /status\.state/);
    assert.throws(() => parseAgentFrame(JSON.stringify({ t: 'events', events: [entry], status: leanB })), /resources/, 'a whole status still needs them');
    const wholeFrame: AgentFrame = { t: 'events', events: [entry], status: whole(sha('a')) };
    assert.deepEqual(parseAgentFrame(JSON.stringify(wholeFrame)), wholeFrame);

    const link = new LinkStatus();
    const lost = link.complete(frame);
    assert.deepEqual(lost, { t: 'events', events: [entry] }, 'no whole status on the link: the events alone');
    assert.equal(statusLost(frame, lost), true, 'and the link is asked for one');
    assert.equal(link.complete(wholeFrame), wholeFrame, 'a whole status on an events frame passes as it is');
    const completed = link.complete(frame);
    assert.deepEqual(completed, { t: 'events', events: [entry], status: whole(sha('b')) });
    assert.equal(statusLost(frame, completed), false);
  });
});
