// Preparing a state database that another process is preparing too: SQLite may answer
// SQLITE_BUSY at once to break the deadlock, and the preparation is tried again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whileBusy } from '../../../agent/sqlite/database.js';

function sqliteError(code: string): Error {
  return Object.assign(new Error(code === 'SQLITE_BUSY' ? 'database is locked' : 'disk I/O error'), { code });
}

/** A clock the pauses move forward; any other use of time is a failure of the test. */
function fakeTime(): { now: () => number; pause: (ms: number) => void; pauses: number[] } {
  let t = 0;
  const pauses: number[] = [];
  return { now: () => t, pause: (ms) => (pauses.push(ms), (t += ms)), pauses };
}

describe('preparing a database another process is preparing', () => {
  it('tries again after a pause while SQLite answers SQLITE_BUSY, then succeeds', () => {
    const time = fakeTime();
    let calls = 0;
    const result = whileBusy(() => {
      calls += 1;
      if (calls < 3) throw sqliteError('SQLITE_BUSY');
      return 'ready';
    }, { withinMs: 10_000, pauseMs: 100, ...time });
    assert.equal(result, 'ready');
    assert.deepEqual(time.pauses, [100, 100]);
  });

  it('gives up with the last SQLITE_BUSY once the time is up', () => {
    const time = fakeTime();
    assert.throws(() => whileBusy(() => { throw sqliteError('SQLITE_BUSY'); }, { withinMs: 1_000, pauseMs: 100, ...time }), /database is locked/);
    assert.equal(time.pauses.length, 10, "tries at 0, 100, ... 1,000 ms");
  });

  it('never tries again after another error', () => {
    const time = fakeTime();
    let calls = 0;
    assert.throws(() => whileBusy(() => { calls += 1; throw sqliteError('SQLITE_IOERR'); }, { withinMs: 10_000, pauseMs: 100, ...time }), /disk I\/O error/);
    assert.equal(calls, 1);
    assert.deepEqual(time.pauses, []);
  });
});
