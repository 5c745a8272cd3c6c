// The agent leaves the resources out of a status only when the link's hub offered 'lean-status',
// they equal those of the last status sent on this same link, and the status was not asked for.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { resetLeanStatus, statusFrame, type LeanStatusState, type StatusFrame } from '../../../agent/reporter/lean-status.js';

const sha = 'a'.repeat(40);
const status = (health: 'healthy' | 'unhealthy' = 'healthy', state: StatusSnapshot['state'] = 'idle'): StatusSnapshot => ({
  host: 'h', version: '1', branch: 'hosts/h', revision: { applied: sha, lastGood: sha, head: sha }, state,
  lastSync: null, source: null, suspended: null, pending: null, drift: [], hub: null,
  resources: [{ kind: 'container', name: 'web', health, detail: 'running' }],
});
const isLean = (frame: StatusFrame): boolean => 'resources' in frame && !('resources' in frame.status);

/** A link as the reporter has it after its first (whole) status and a welcome offering lean status or not. */
function welcomedLink(offered: boolean): LeanStatusState {
  const state: LeanStatusState = { leanStatus: true, eventsStatus: true, lastResources: 'from an earlier link' };
  resetLeanStatus(state);
  assert.equal(isLean(statusFrame(state, status(), true)), false, 'the first status of a link is whole');
  state.leanStatus = offered;
  return state;
}

describe('lean status frames, agent side', () => {
  it('leave out resources equal to those last sent on the link, and keep everything else', () => {
    const state = welcomedLink(true);
    const { resources: _left, ...rest } = status('healthy', 'syncing');
    assert.deepEqual(statusFrame(state, status('healthy', 'syncing'), true), { t: 'status', status: rest, resources: 'unchanged' });
  });

  it('send changed resources whole, and compare the next status with those', () => {
    const state = welcomedLink(true);
    assert.equal(isLean(statusFrame(state, status('unhealthy'), true)), false);
    assert.equal(isLean(statusFrame(state, status('unhealthy'), true)), true);
    assert.equal(isLean(statusFrame(state, status('healthy'), true)), false);
  });

  it('answer a status request whole, and never go lean for a hub that did not offer it', () => {
    assert.equal(isLean(statusFrame(welcomedLink(true), status(), false)), false);
    assert.equal(isLean(statusFrame(welcomedLink(false), status(), true)), false);
  });

  it('start every new link whole, offered nothing until its welcome', () => {
    const state = welcomedLink(true);
    resetLeanStatus(state);
    assert.equal(state.leanStatus, false);
    state.leanStatus = true;
    assert.equal(isLean(statusFrame(state, status(), true)), false);
  });
});
