// Unit: the agent's side of the checkout child. The child here is a real node process running a
// small script in place of checkout-main.js, so what crosses the IPC channel is real.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { checkoutInChild, type ChildCommand } from '../../../agent/source/checkout-child.js';
import type { ConfigSource } from '../../../agent/source/port.js';
import { sourceSettings } from '../../fixtures/source-helpers.js';

const COMMIT = 'c'.repeat(40);
const REVISION = { commit: COMMIT, author: 'Ada', email: 'ada@example.com', date: '2026-12-02T07:00:00.000Z', message: 'web at two' };

/** The agent's own source: only its poll may be used; a checkout in the agent is a bug here. */
function agentSource(): ConfigSource {
  return {
    head: () => Promise.resolve(COMMIT),
    checkout: () => {
      throw new Error('unexpected call: checkout must run in the child');
    },
    stats: () => ({ roundTrips: 1, bytesIn: 300, bytesOut: 200 }),
  };
}

/** A child that answers the request with `reply(request)`, written as a JavaScript expression. */
const answering = (reply: string): (() => Promise<ChildCommand>) => () =>
  Promise.resolve({ file: process.execPath, args: ['-e', `process.once('message', (request) => process.send(${reply}, () => process.exit(0)));`] });

function source(command: () => Promise<ChildCommand>, onDone?: (r: { commit: string; peakKb: number; ok: boolean }) => void): ConfigSource {
  return checkoutInChild(agentSource(), { settings: sourceSettings('http', 'http://127.0.0.1:1/r.git'), gitDir: '/nonexistent', command, applied: () => null, ...(onDone ? { onDone } : {}) });
}

describe('checkoutInChild', () => {
  it('returns the revision the child checked out, and says what the child peaked at', async () => {
    const done: { commit: string; peakKb: number; ok: boolean }[] = [];
    const got = await source(answering(`{ type: 'checked-out', revision: { ...${JSON.stringify(REVISION)}, commit: request.commit }, peakKb: 4242 }`), (r) => done.push(r)).checkout(COMMIT, '/tmp/never-written');
    assert.deepEqual(got, REVISION);
    assert.deepEqual(done.map((r) => [r.commit, r.peakKb, r.ok]), [[COMMIT, 4242, true]]);
  });

  it("throws the child's error with its code, handling and data, so a bad tree stays the commit's fault", async () => {
    const failing = source(answering(`{ type: 'failed', error: { code: 'BAD_TREE', message: 'commit holds an unsafe path ".git"', handling: 'commit', data: { path: '.git' } }, peakKb: 1 }`));
    await assert.rejects(failing.checkout(COMMIT, '/tmp/never-written'), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, 'BAD_TREE');
      assert.equal(err.handling, 'commit');
      assert.deepEqual(err.data, { path: '.git' });
      return true;
    });
  });

  it('makes a child that dies without an answer a retryable failure that says how it ended', async () => {
    const dying = source(() => Promise.resolve({ file: process.execPath, args: ['-e', "process.stderr.write('out of memory, say\\n'); process.exit(3)"] }));
    await assert.rejects(dying.checkout(COMMIT, '/tmp/never-written'), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, 'CHECKOUT_CHILD_FAILED');
      assert.equal(err.handling, 'retry');
      assert.match(err.message, /exit code 3: out of memory, say/);
      return true;
    });
  });

  it('does not trust a reply that is not one of the protocol', async () => {
    const garbled = source(answering(`{ type: 'checked-out', revision: { commit: 42 } }`));
    await assert.rejects(garbled.checkout(COMMIT, '/tmp/never-written'), (err: unknown) => err instanceof SourceError && err.code === 'CHECKOUT_CHILD_FAILED' && /unreadable reply/.test(err.message));
  });

  it("polls and counts with the agent's own source, without a child", async () => {
    const polling = source(() => Promise.reject(new Error('unexpected call: no child for a poll')));
    assert.equal(await polling.head(), COMMIT);
    assert.deepEqual(polling.stats(), { roundTrips: 1, bytesIn: 300, bytesOut: 200 });
  });
});
