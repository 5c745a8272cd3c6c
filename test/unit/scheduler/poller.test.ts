// The poller's timing: jittered interval, backoff after failures outside the commit, a long
// backoff after bugs in moor, and nothing after stop. Timers are fakes the test fires.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Poller } from '../../../agent/scheduler/poller.js';

type Cron = (expression: string, fn: () => void) => { stop(): unknown };

function poller(options: { intervalMs?: number; schedule?: string | null; random?: number; cron?: Cron } = {}) {
  const timers: { ms: number; cancelled: boolean }[] = [];
  const p = new Poller(
    {
      ...(options.cron ? { cron: options.cron } : {}),
      random: () => options.random ?? 0.5,
      setTimer: (_fn, ms) => {
        const t = { ms, cancelled: false };
        timers.push(t);
        return { cancel: () => void (t.cancelled = true) };
      },
    },
    { intervalMs: options.intervalMs ?? 60_000, schedule: options.schedule ?? null, retryMinMs: 5_000, bugMaxMs: 3_600_000 },
    () => assert.fail('the tick is not expected in these tests'),
  );
  return { p, timers };
}

describe('the poller', () => {
  it('polls again after the interval, with jitter of ±10 %', () => {
    const { p, timers } = poller({ random: 1 });
    p.after({ retry: false });
    assert.equal(timers[0]?.ms, 66_000);
  });

  it('backs off from 5 s, doubling up to the interval, after failures outside the commit', () => {
    const { p, timers } = poller();
    for (let i = 0; i < 6; i++) p.after({ retry: true, error: { handling: 'retry' } });
    assert.deepEqual(timers.map((t) => t.ms), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('waits at least the interval after a bug, doubling each time, never retrying like a flaky network', () => {
    const { p, timers } = poller();
    for (let i = 0; i < 8; i++) p.after({ retry: true, error: { handling: 'bug' } });
    assert.deepEqual(timers.map((t) => t.ms), [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
  });

  it('is back to the interval once a sync succeeds', () => {
    const { p, timers } = poller();
    p.after({ retry: true, error: { handling: 'bug' } });
    p.after({ retry: false, error: null });
    assert.equal(timers[1]?.ms, 60_000);
    assert.equal(timers[0]?.cancelled, true);
  });

  it('with a cron schedule, sets timers only for retries', () => {
    const { p, timers } = poller({ schedule: '*/5 * * * *' });
    p.after({ retry: false });
    assert.equal(timers.length, 0);
    p.after({ retry: true, error: { handling: 'retry' } });
    assert.equal(timers.length, 1);
    p.stop();
  });

  it('starts the cron schedule it was given on start, and stops it on stop', () => {
    const started: string[] = [];
    let stopped = 0;
    const { p } = poller({ schedule: '*/5 * * * *', cron: (expression) => (started.push(expression), { stop: () => void stopped++ }) });
    p.start();
    assert.deepEqual(started, ['*/5 * * * *']);
    p.stop();
    assert.equal(stopped, 1);
  });

  it('refuses to start a cron schedule without a cron port (the daemon loads node-cron only for a schedule)', () => {
    const { p } = poller({ schedule: '*/5 * * * *' });
    assert.throws(() => p.start(), /needs PollerDeps.cron/);
  });

  it('plans nothing after stop', () => {
    const { p, timers } = poller();
    p.stop();
    p.after({ retry: false });
    assert.equal(timers.length, 0);
  });
});
