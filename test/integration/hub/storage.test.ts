// The hub's storage port, one specification run against both adapters: SQLite (always) and
// PostgreSQL (the test bed's server, when postgres.sh env is in the environment).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { OutboxEntry } from '../../../agent/contracts/hub-protocol.js';
import { summarise, type Rollout } from '../../../hub/rollouts/model.js';
import { HUB_WAL_CHECKPOINT_PAGES, openPostgresStorage, openSqliteStorage, type OpenStorage } from '../../../hub/storage/open.js';
import type { HostRow } from '../../../hub/storage/port.js';
import { SqliteExec } from '../../../hub/storage/sqlite-exec.js';
import { hashToken } from '../../../hub/storage/host-queries.js';
import { MIGRATIONS } from '../../../hub/storage/migrations.js';
import { openDatabase } from '../../../agent/sqlite/database.js';
import { createTestDatabase, postgresBed } from '../../bed/postgres-db.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const CAPS = { rows: 1000, bytes: 16 * 1024 * 1024 };

function events(from: number, to: number): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (let seq = from; seq <= to; seq++) out.push({ seq, at: NOW.toISOString(), event: { type: 'sync.started', commit: seq.toString(16).padStart(40, '0'), trigger: 'poll' } });
  return out;
}

function hostRow(host: string, patch: Partial<HostRow> = {}): HostRow {
  return { host, branch: `hosts/${host}`, version: '1.0.0', inventory: null, status: null, metrics: null, summary: null, lastSeen: NOW.toISOString(), lastSeq: 0, firstSeen: NOW.toISOString(), ...patch };
}

function rolloutDraft(status: Rollout['status'], hostNames: string[] = []): Omit<Rollout, 'id'> {
  const hosts = hostNames.map((host) => ({ host, branch: `hosts/${host}`, labels: { role: 'web' }, wave: 0, phase: 'pending' as const, commit: null, previous: null, revertCommit: null, publishedAt: null, reason: '', evidence: null }));
  const spec = { fleetCommit: 'c'.repeat(40), fleetSubject: 'subject', selector: '', waves: [1], maxFailures: 0, waveTimeoutMs: 60_000, pauseMs: 0, budget: null };
  return {
    spec,
    createdBy: 'ops', createdAt: NOW.toISOString(), status, wave: 0, waveCount: 1, waveStartedAt: null, nextWaveAt: null,
    hosts, timeline: [], haltReason: null, version: 1, ...summarise(hosts, 1, spec),
  };
}

type Opener = () => Promise<OpenStorage>;

function specification(kind: string, open: Opener, skip: string | false): void {
  describe(`hub storage on ${kind}`, { skip }, () => {
    const opened: OpenStorage[] = [];
    const fresh = async (): Promise<OpenStorage> => {
      const s = await open();
      opened.push(s);
      return s;
    };
    after(async () => {
      for (const s of opened) await s.close();
    });

    it('stores the events above the stored seq once, and moves the seq', async () => {
      const s = await fresh();
      await s.hosts.addToken('edge-1', 'tok-1', NOW);
      const first = await s.hosts.insertEvents('edge-1', 0, events(1, 5), NOW, CAPS);
      assert.deepEqual(first.fresh.map((e) => e.seq), [1, 2, 3, 4, 5]);
      assert.equal(first.lastSeq, 5);
      // The ack was lost: the agent resends 3..7 to a hub that believes it has nothing (lastSeq 0).
      const again = await s.hosts.insertEvents('edge-1', 0, events(3, 7), NOW, CAPS);
      assert.deepEqual(again.fresh.map((e) => e.seq), [6, 7]);
      assert.equal((await s.hosts.loadHost('edge-1'))?.lastSeq, 7);
      assert.deepEqual((await s.hosts.events('edge-1', 100)).map((e) => e.seq), [7, 6, 5, 4, 3, 2, 1]);
    });

    it('stores the frames of many hosts in one batch, each as insertEvents would, results in input order', async () => {
      const s = await fresh();
      for (const h of ['edge-b', 'edge-a']) await s.hosts.addToken(h, `tok-${h}`, NOW);
      await s.hosts.insertEvents('edge-a', 0, events(1, 2), NOW, CAPS);
      const results = await s.hosts.insertEventBatch([
        { host: 'edge-b', lastSeq: 0, entries: events(1, 3), received: NOW },
        // A resend of 1..2 with 3..4 new, and a second frame of the same host in the same batch.
        { host: 'edge-a', lastSeq: 0, entries: events(1, 4), received: NOW },
        { host: 'edge-a', lastSeq: 0, entries: events(4, 5), received: NOW },
      ], CAPS);
      assert.deepEqual(results.map((r) => [r.fresh.map((e) => e.seq), r.lastSeq]), [[[1, 2, 3], 3], [[3, 4], 4], [[5], 5]]);
      assert.deepEqual((await s.hosts.events('edge-a', 100)).map((e) => e.seq), [5, 4, 3, 2, 1]);
      assert.equal((await s.hosts.loadHost('edge-b'))?.lastSeq, 3);
      assert.deepEqual(await s.hosts.insertEventBatch([], CAPS), []);
    });

    it('keeps at most the row cap of events per host, the newest', async () => {
      const s = await fresh();
      await s.hosts.addToken('edge-2', 'tok-2', NOW);
      for (let i = 0; i < 5; i++) await s.hosts.insertEvents('edge-2', 0, events(i * 100 + 1, i * 100 + 100), NOW, { rows: 150, bytes: CAPS.bytes });
      const kept = await s.hosts.events('edge-2', 1000);
      assert.equal(kept.length, 150);
      assert.equal(kept[0]?.seq, 500);
    });

    it('keeps at most the byte cap of events per host, the newest, whatever the row cap', async () => {
      const s = await fresh();
      const one = Buffer.byteLength(JSON.stringify(events(1, 1)[0]?.event));
      for (let i = 0; i < 10; i++) await s.hosts.insertEvents('edge-4', 0, events(i * 3 + 1, i * 3 + 3), NOW, { rows: 1000, bytes: one * 7 });
      assert.deepEqual((await s.hosts.events('edge-4', 1000)).map((e) => e.seq), [30, 29, 28, 27, 26, 25, 24]);
      // A later frame under a larger cap prunes nothing: the counts carried over are the stored rows.
      await s.hosts.insertEvents('edge-4', 0, events(31, 31), NOW, { rows: 8, bytes: CAPS.bytes });
      assert.equal((await s.hosts.events('edge-4', 1000)).length, 8);
      await s.hosts.insertEvents('edge-4', 0, events(32, 32), NOW, { rows: 8, bytes: CAPS.bytes });
      assert.deepEqual((await s.hosts.events('edge-4', 1000)).map((e) => e.seq), [32, 31, 30, 29, 28, 27, 26, 25]);
    });

    it('finds a host by its token until the token is revoked', async () => {
      const s = await fresh();
      await s.hosts.addToken('edge-3', 'tok-3', NOW);
      assert.equal(await s.hosts.hostForToken('tok-3'), 'edge-3');
      assert.equal(await s.hosts.hasToken('edge-3'), true);
      assert.deepEqual((await s.hosts.listTokens()).map((t) => [t.host, t.tokens]), [['edge-3', 1]]);
      assert.deepEqual([...await s.hosts.hostsForTokens(['tok-3', 'tok-unknown'])], [['tok-3', 'edge-3']]);
      assert.equal(await s.hosts.revokeTokens('edge-3'), 1);
      assert.equal((await s.hosts.hostsForTokens(['tok-3'])).size, 0);
      assert.equal(await s.hosts.hostForToken('tok-3'), null);
    });

    it('checks many agent tokens in one call: each valid one with its host and the last event seq stored', async () => {
      const s = await fresh();
      for (let i = 0; i < 1200; i++) await s.hosts.addToken(`bulk-${i}`, `tok-${i}`, NOW);
      await s.hosts.insertEvents('bulk-5', 0, events(1, 4), NOW, CAPS);
      const asked = [...Array.from({ length: 1200 }, (_, i) => `tok-${i}`), 'tok-unknown'];
      const links = await s.hosts.linksForTokens(asked);
      assert.equal(links.size, 1200, 'past the few hundred tokens of one query');
      assert.deepEqual(links.get('tok-5'), { host: 'bulk-5', lastSeq: 4 });
      assert.deepEqual(links.get('tok-1199'), { host: 'bulk-1199', lastSeq: 0 });
      assert.equal(links.has('tok-unknown'), false);
      await s.hosts.revokeTokens('bulk-5');
      assert.equal((await s.hosts.linksForTokens(['tok-5'])).size, 0);
    });

    it('writes host records in batches and reads them back typed', async () => {
      const s = await fresh();
      const rows = Array.from({ length: 250 }, (_, i) => hostRow(`h-${i}`, { metrics: { cpuLoad: i, load1: 0, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 1, temperature: null } }));
      await s.hosts.saveHosts(rows);
      await s.hosts.saveHosts([hostRow('h-7', { version: '2.0.0' })]);
      const loaded = new Map((await s.hosts.loadHosts()).map((r) => [r.host, r]));
      assert.equal(loaded.size, 250);
      assert.equal(loaded.get('h-7')?.version, '2.0.0');
      assert.equal(loaded.get('h-9')?.metrics?.cpuLoad, 9);
      await s.hosts.setBranchHead('hosts/h-1', 'd'.repeat(40), NOW);
      assert.equal((await s.hosts.branchHeads()).get('hosts/h-1'), 'd'.repeat(40));
    });

    it('keeps operators, sessions, the audit log and webhook deliveries', async () => {
      const s = await fresh();
      await s.auth.addUser('ana', 'admin', 'api-token', NOW);
      assert.deepEqual(await s.auth.userForToken('api-token'), { name: 'ana', role: 'admin' });
      assert.equal(await s.auth.userCount(), 1);
      await s.auth.openSession('sid', { name: 'ana', role: 'admin', via: 'session' }, new Date(NOW.getTime() + 60_000));
      assert.deepEqual(await s.auth.session('sid', NOW), { name: 'ana', role: 'admin', via: 'session' });
      assert.equal(await s.auth.session('sid', new Date(NOW.getTime() + 120_000)), null);
      await s.auth.audit({ at: NOW.toISOString(), actor: 'ana', role: 'admin', action: 'user.add', target: 'bob', result: 'viewer', remote: '127.0.0.1' });
      assert.deepEqual((await s.auth.auditLog(10)).map((e) => e.action), ['user.add']);
      assert.equal(await s.auth.firstDelivery('delivery-1', NOW), true);
      assert.equal(await s.auth.firstDelivery('delivery-1', NOW), false);
      await s.auth.rememberHead('main', 'e'.repeat(40), NOW);
      assert.equal(await s.auth.headSeen('main', 'e'.repeat(40)), true);
      assert.equal(await s.auth.revokeUser('ana'), true);
      assert.equal(await s.auth.session('sid', NOW), null);
    });

    it('records OpenID logins, lists them, and refuses a login once an admin revoked that name', async () => {
      const s = await fresh();
      const dave = { issuer: 'https://id.example', subject: 'sub-1', name: 'dave', display: 'Dave', role: 'operator' };
      assert.equal(await s.auth.oidcLogin(dave, NOW), 'ok');
      assert.equal(await s.auth.oidcLogin({ ...dave, role: 'admin' }, new Date(NOW.getTime() + 1000)), 'ok');
      assert.deepEqual((await s.auth.oidcUsers()).map((u) => [u.name, u.role, u.created, u.lastLogin, u.revoked]),
        [['dave', 'admin', NOW.toISOString(), new Date(NOW.getTime() + 1000).toISOString(), null]]);
      assert.equal(await s.auth.revokeUser('dave', NOW), true);
      assert.equal(await s.auth.oidcLogin(dave, NOW), 'revoked');
      assert.equal((await s.auth.oidcUsers())[0]?.revoked, NOW.toISOString());
    });

    it('keeps one chart point per host and slot and prunes the old ones, a batch in one transaction', async () => {
      const s = await fresh();
      const point = (host: string, at: number, cpu: number, before = 0) => ({ host, point: { at, cpu, mem: cpu === 12.5 ? null : cpu, disk: cpu === 12.5 ? 90 : cpu }, before });
      await s.metrics.addPoints([point('edge-1', 1000, 12.5), point('edge-2', 500, 1)]);
      await s.metrics.addPoints([point('edge-1', 1000, 99), point('edge-1', 2000, 2)]);
      assert.deepEqual(await s.metrics.points('edge-1', 0), [{ at: 1000, cpu: 12.5, mem: null, disk: 90 }, { at: 2000, cpu: 2, mem: 2, disk: 2 }]);
      // 250 hosts in one batch (three statements' worth of rows), each pruning before its own cutoff.
      const many = Array.from({ length: 250 }, (_, i) => point(`bulk-${i}`, 3000, 5, 0));
      await s.metrics.addPoints([...many, point('edge-1', 3000, 3, 1500), point('edge-2', 3000, 3, 100)]);
      assert.deepEqual((await s.metrics.points('edge-1', 0)).map((p) => p.at), [2000, 3000]);
      assert.deepEqual((await s.metrics.points('edge-2', 0)).map((p) => p.at), [500, 3000]);
      assert.deepEqual((await s.metrics.points('bulk-249', 0)).map((p) => p.at), [3000]);
    });

    it('stores rollouts with a row per host and lists the active ones', async () => {
      const s = await fresh();
      const done = await s.rollouts.create(rolloutDraft('running', ['web-1', 'web-2']));
      await s.rollouts.save({ ...done, status: 'completed' }, []);
      const web2 = { ...done.hosts[1]!, phase: 'done' as const, commit: 'd'.repeat(40), publishedAt: NOW.getTime(), evidence: { ok: true } };
      await s.rollouts.save({ ...done, status: 'completed', hosts: [done.hosts[0]!, web2] }, [web2]);
      const running = await s.rollouts.create(rolloutDraft('running'));
      assert.notEqual(done.id, running.id);
      const stored = await s.rollouts.get(done.id);
      assert.equal(stored?.status, 'completed');
      assert.deepEqual(stored?.hosts.map((h) => [h.host, h.phase, h.commit, h.publishedAt, h.evidence, h.labels]),
        [['web-1', 'pending', null, null, null, { role: 'web' }], ['web-2', 'done', 'd'.repeat(40), NOW.getTime(), { ok: true }, { role: 'web' }]]);
      assert.deepEqual((await s.rollouts.active()).map((r) => r.id), [running.id]);
      assert.deepEqual((await s.rollouts.list(10)).map((r) => r.id), [running.id, done.id]);
    });

    it('writes no row for a host about to be pushed, and reads every pending host of that wave back as publishing', async () => {
      const s = await fresh();
      const created = await s.rollouts.create(rolloutDraft('running', ['web-1', 'web-2', 'web-3']));
      // The disruption budget let one host through: web-1 is being pushed, web-2 finished earlier, web-3 waits its turn.
      const hosts = [{ ...created.hosts[0]!, phase: 'publishing' as const }, { ...created.hosts[1]!, phase: 'done' as const, commit: 'd'.repeat(40) }, created.hosts[2]!];
      await s.rollouts.save({ ...created, hosts, ...summarise(hosts, 1, created.spec) }, hosts.slice(0, 2));
      const rows = await s.exec.all<{ host: string; phase: string }>('SELECT host, phase FROM rollout_hosts WHERE rollout = ? ORDER BY pos', [created.id]);
      assert.deepEqual(rows.map((r) => [r.host, r.phase]), [['web-1', 'pending'], ['web-2', 'done'], ['web-3', 'pending']]);
      // A restart cannot tell which pending host's push happened: each is looked up (recovery.ts).
      const stored = await s.rollouts.get(created.id);
      assert.deepEqual(stored?.hosts.map((h) => h.phase), ['publishing', 'done', 'publishing']);
      assert.deepEqual(stored?.waveCounts[0], { ...summarise([], 1, created.spec).waveCounts[0], publishing: 2, done: 1 });
      // Once pushed, the hosts are written; a wave with none publishing reads back as stored.
      const pushed = [{ ...hosts[0]!, phase: 'waiting' as const, commit: 'e'.repeat(40), publishedAt: NOW.getTime() }, hosts[1]!, hosts[2]!];
      await s.rollouts.save({ ...created, hosts: pushed, ...summarise(pushed, 1, created.spec) }, pushed.slice(0, 1));
      assert.deepEqual((await s.rollouts.get(created.id))?.hosts.map((h) => h.phase), ['waiting', 'done', 'pending']);
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

specification('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-hub-storage-'));
  dirs.push(dir);
  return openSqliteStorage(join(dir, 'hub.db'));
}, false);

describe('the hub on SQLite', () => {
  it('keeps a page cache that holds a fleet of host rows, not the agent\'s 1 MB', async () => {
    const s = openSqliteStorage(':memory:');
    try {
      assert.ok(s.exec instanceof SqliteExec);
      assert.ok(Number(s.exec.db.pragma('cache_size', { simple: true })) <= -32 * 1024, 'at least 32 MiB');
    } finally {
      await s.close();
    }
  });

  it('lets its write-ahead log grow to 40 MB before copying it into the database file, not SQLite\'s 4 MB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-hub-storage-'));
    dirs.push(dir);
    const file = join(dir, 'hub.db');
    const s = openSqliteStorage(file);
    try {
      assert.ok(s.exec instanceof SqliteExec);
      assert.equal(Number(s.exec.db.pragma('wal_autocheckpoint', { simple: true })), HUB_WAL_CHECKPOINT_PAGES);
      // 60 commits of 100 KB: past 4 MB the default would have checkpointed and started the log over.
      const insert = s.exec.db.prepare('INSERT INTO webhook_deliveries (id, at) VALUES (?, ?)');
      for (let c = 0; c < 60; c++) s.exec.db.transaction(() => {
        for (let k = 0; k < 100; k++) insert.run(`${c}-${k}-${'x'.repeat(1000)}`, NOW.toISOString());
      })();
      assert.ok(statSync(`${file}-wal`).size > 6 * 2 ** 20, `the log holds the 6 MB written (${statSync(`${file}-wal`).size} bytes)`);
    } finally {
      await s.close();
    }
  });

  it('keeps each host\'s stored event seq across the upgrade that moves it out of the host row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-hub-storage-'));
    dirs.push(dir);
    const file = join(dir, 'hub.db');
    const before = openDatabase({ file, migrations: MIGRATIONS.slice(0, 7).map((m) => m.sqlite), what: 'hub database' });
    before.prepare("INSERT INTO hosts (host, first_seen, last_seq) VALUES ('edge-1', ?, 42), ('edge-2', ?, 0)").run(NOW.toISOString(), NOW.toISOString());
    before.prepare("INSERT INTO tokens (hash, host, created) VALUES (?, 'edge-1', ?)").run(hashToken('tok-1'), NOW.toISOString());
    const insert = before.prepare("INSERT INTO events (host, seq, at, received, type, payload, bytes) VALUES ('edge-1', ?, ?, ?, 'sync.started', '{}', 2)");
    for (const seq of [40, 41, 42]) insert.run(seq, NOW.toISOString(), NOW.toISOString());
    before.close();
    const s = openSqliteStorage(file);
    try {
      assert.equal((await s.hosts.loadHost('edge-1'))?.lastSeq, 42);
      assert.equal((await s.hosts.loadHost('edge-2'))?.lastSeq, 0);
      assert.deepEqual((await s.hosts.linksForTokens(['tok-1'])).get('tok-1'), { host: 'edge-1', lastSeq: 42 });
      // The events stored before count against the caps: one more over a cap of 3 prunes the oldest.
      const next = await s.hosts.insertEvents('edge-1', 0, events(40, 43), NOW, { rows: 3, bytes: CAPS.bytes });
      assert.deepEqual(next.fresh.map((e) => e.seq), [43]);
      assert.deepEqual((await s.hosts.events('edge-1', 100)).map((e) => e.seq), [43, 42, 41]);
    } finally {
      await s.close();
    }
  });
});

specification('PostgreSQL', async () => {
  const db = await createTestDatabase();
  return openPostgresStorage(db.url, db.password);
}, postgresBed() ? false : 'no PostgreSQL test bed (bash test/bed/postgres.sh start; eval "$(bash test/bed/postgres.sh env)")');

describe('two hubs on one PostgreSQL', { skip: postgresBed() ? false : 'no PostgreSQL test bed' }, () => {
  it('store a batch both receive at once only once', async () => {
    const db = await createTestDatabase();
    const [a, b] = [await openPostgresStorage(db.url, db.password), await openPostgresStorage(db.url, db.password)];
    try {
      await a.hosts.addToken('edge-x', 'tok-x', NOW);
      const [ra, rb] = await Promise.all([a.hosts.insertEvents('edge-x', 0, events(1, 50), NOW, CAPS), b.hosts.insertEvents('edge-x', 0, events(1, 50), NOW, CAPS)]);
      assert.equal(ra.fresh.length + rb.fresh.length, 50);
      assert.equal((await a.hosts.events('edge-x', 1000)).length, 50);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
