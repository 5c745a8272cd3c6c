// Drill: the hub unreachable while 10,000 events happen on the agent. After it returns, all of them
// reach it, in order, none twice (the 1,000-event variant lives in test/integration/hub).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { createHeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from '../../integration/hub/hub-process.js';

const EVENTS = 10_000;

interface EventRow { id: number; seq: number; type: string; event: { trigger?: string } }

async function allEvents(hub: HubFixture, host: string): Promise<EventRow[]> {
  const out: EventRow[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const res = await hub.fetch(`/api/hosts/${host}/events?limit=1000&before=${before}`);
    assert.equal(res.status, 200);
    const page = ((await res.json()) as { events: EventRow[] }).events;
    if (page.length === 0) return out.reverse();
    out.push(...page);
    before = page[page.length - 1]?.id ?? 0;
  }
}

describe('the hub unreachable while 10,000 events happen', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'moor-hub-outage-'));
  let hub: HubFixture | null = null;
  let reporter: Reporter | null = null;
  after(async () => {
    await reporter?.stop();
    await hub?.kill();
    rmSync(stateDir, { recursive: true, force: true });
    if (hub) rmSync(hub.dir, { recursive: true, force: true });
  });

  it('delivers all of them after it returns, in order and none twice', async () => {
    // A long offlineAfter: the drill is about delivery, not about offline alerts.
    hub = await hubFixture('eventsPerHost: 20000\n');
    await hub.start();
    const host = 'outage-01';
    const token = hub.addToken(host);
    const h = hub;
    reporter = createReporter(
      {
        db: openDatabase({ file: join(stateDir, 'state.db') }),
        logger: pino({ level: 'silent' }),
        now: () => new Date(),
        random: Math.random,
        status: () => statusOf(host),
        metrics: createHeartbeatSampler({ diskPaths: [stateDir], agentVersion: '0.1.0-drill' }),
        onSyncNow: () => undefined,
      },
      {
        settings: { url: `ws://127.0.0.1:${h.port}/agent`, token, heartbeatMs: 1000, caFile: null, outboxLimit: 100_000 },
        host,
        version: '0.1.0-drill',
        backoffMinMs: 100,
        backoffMaxMs: 500,
      },
    );
    const r = reporter;
    r.start();
    await waitFor('connected', () => r.connected());
    await h.kill('SIGKILL');
    await waitFor('link lost', () => !r.connected());
    for (let i = 0; i < EVENTS; i++) r.emit({ type: 'sync.started', commit: i.toString(16).padStart(40, '0'), trigger: `n${i}` });
    assert.equal(r.outboxSize(), EVENTS);
    await h.start();
    await waitFor('outbox drained', () => r.outboxSize() === 0, 120_000);
    const events = (await allEvents(h, host)).filter((e) => e.type === 'sync.started');
    assert.equal(events.length, EVENTS);
    assert.deepEqual(events.map((e) => e.event.trigger), Array.from({ length: EVENTS }, (_, i) => `n${i}`));
    const seqs = events.map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'an event was delivered twice');
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  });
});
