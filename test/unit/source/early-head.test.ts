// The agent's early first poll: its answer serves the first head() asked for soon after, once;
// an answer too old, or any later head(), is a poll of its own. A failed early poll is the first
// head()'s failure, never an unhandled rejection.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EARLY_HEAD_MAX_AGE_MS, withEarlyHead } from '../../../agent/source/early-head.js';
import { SourceError } from '../../../agent/contracts/errors.js';
import type { ConfigSource } from '../../../agent/source/port.js';

/** A source whose polls answer, in turn, the given heads (or throw the given errors); nothing else is expected. */
function scriptedSource(answers: (string | Error)[]): ConfigSource & { polls: () => number } {
  let polls = 0;
  return {
    head: async () => {
      const answer = answers[polls++];
      if (answer === undefined) assert.fail(`poll ${polls} was not expected`);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    checkout: () => assert.fail('checkout is not expected'),
    stats: () => ({ roundTrips: polls, bytesIn: 0, bytesOut: 0 }),
    polls: () => polls,
  };
}

describe('the early first poll', () => {
  it('is sent at once, and answers the first head() without a second round trip', async () => {
    const inner = scriptedSource(['a'.repeat(40)]);
    const source = withEarlyHead(inner);
    assert.equal(inner.polls(), 1);
    assert.equal(await source.head(), 'a'.repeat(40));
    assert.equal(inner.polls(), 1);
    assert.equal(source.stats().roundTrips, 1);
  });

  it('answers only once: the next head() polls again', async () => {
    const inner = scriptedSource(['a'.repeat(40), 'b'.repeat(40)]);
    const source = withEarlyHead(inner);
    await source.head();
    assert.equal(await source.head(), 'b'.repeat(40));
    assert.equal(inner.polls(), 2);
  });

  it('is not used when it is older than the limit: the branch may have moved', async () => {
    let clock = 1_000;
    const inner = scriptedSource(['a'.repeat(40), 'b'.repeat(40)]);
    const source = withEarlyHead(inner, () => clock);
    clock += EARLY_HEAD_MAX_AGE_MS + 1;
    assert.equal(await source.head(), 'b'.repeat(40));
  });

  it('hands a failed early poll to the first head(), as that poll’s error', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const source = withEarlyHead(scriptedSource([new SourceError('UNREACHABLE', 'git is down', { handling: 'retry' })]));
      await new Promise((r) => setImmediate(r));
      await assert.rejects(source.head(), (err: unknown) => err instanceof SourceError && err.code === 'UNREACHABLE');
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
