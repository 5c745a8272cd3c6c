// `moor hub migrate`: a SQLite hub's data moves into an empty PostgreSQL database through the real
// CLI; the copy keeps ids and the next ones follow them; a target that holds hub data is refused.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { summarise } from '../../../hub/rollouts/model.js';
import { openPostgresStorage, openSqliteStorage } from '../../../hub/storage/open.js';
import { createTestDatabase, postgresBed } from '../../bed/postgres-db.js';
import { HUB_ENTRY } from './hub-process.js';

const NOW = new Date('2026-12-01T00:00:00Z');

const BULK = 4321;

const STATUS: StatusSnapshot = {
  host: 'edge-5', version: '0.1.0', branch: 'hosts/edge-5', revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: 'a'.repeat(40) }, state: 'idle',
  lastSync: null, source: null, suspended: null, pending: null, resources: [{ kind: 'container', name: 'web', health: 'healthy', detail: 'running' }], drift: [], hub: null,
};

describe('moor hub migrate', { skip: postgresBed() ? false : 'no PostgreSQL test bed (bash test/bed/postgres.sh start; eval "$(bash test/bed/postgres.sh env)")' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-migrate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every host with its status (resources apart), token, event, operator, OpenID user, audit entry, rollout with its hosts and chart point, then refuses to copy twice', async () => {
    const file = join(dir, 'hub.db');
    const sqlite = openSqliteStorage(file);
    for (let i = 0; i < 30; i++) await sqlite.hosts.addToken(`edge-${i}`, `tok-${i}`, NOW);
    const events = Array.from({ length: 40 }, (_, k) => ({ seq: k + 1, at: NOW.toISOString(), event: { type: 'sync.started' as const, commit: 'a'.repeat(40), trigger: 'poll' } }));
    await sqlite.hosts.insertEvents('edge-3', 0, events, NOW, { rows: 1000, bytes: 1 << 24 });
    await sqlite.auth.addUser('ana', 'admin', 'ana-token', NOW);
    await sqlite.auth.audit({ at: NOW.toISOString(), actor: 'ana', role: 'admin', action: 'user.add', target: 'ana', result: 'admin', remote: 'local' });
    await sqlite.auth.oidcLogin({ issuer: 'https://id.example', subject: 's-1', name: 'dave', display: 'Dave', role: 'viewer' }, NOW);
    await sqlite.metrics.addPoints([{ host: 'edge-3', point: { at: NOW.getTime(), cpu: 50, mem: 25, disk: 75 }, before: 0 }]);
    const spec = { fleetCommit: 'c'.repeat(40), fleetSubject: 'web 2', selector: '', waves: [1], maxFailures: 0, waveTimeoutMs: 60_000, pauseMs: 0, budget: null };
    const rolloutHosts = ['edge-1', 'edge-2'].map((host) => ({ host, branch: `hosts/${host}`, labels: {}, wave: 0, phase: 'pending' as const, commit: null, previous: null, revertCommit: null, publishedAt: null, reason: '', evidence: null }));
    const rollout = await sqlite.rollouts.create({ spec, createdBy: 'ana', createdAt: NOW.toISOString(), status: 'running', wave: 0, waveCount: 1, waveStartedAt: null, nextWaveAt: null,
      hosts: rolloutHosts, timeline: [], haltReason: null, version: 1, ...summarise(rolloutHosts, 1, spec) });
    // A large table without an id column (hosts): read in pages on SQLite's rowid, several thousand rows.
    await sqlite.hosts.saveHosts(Array.from({ length: BULK }, (_, i) => ({ host: `bulk-${String(i).padStart(5, '0')}`, branch: `hosts/bulk-${i}`, version: '0.1.0', inventory: null, status: null,
      metrics: null, summary: null, lastSeen: NOW.toISOString(), lastSeq: 0, firstSeen: NOW.toISOString() })));
    await sqlite.hosts.saveHosts([{ host: 'edge-5', branch: 'hosts/edge-5', version: '0.1.0', inventory: null, status: STATUS, metrics: null, summary: null,
      lastSeen: NOW.toISOString(), lastSeq: 0, firstSeen: NOW.toISOString() }]);
    await sqlite.close();

    const db = await createTestDatabase();
    const migrate = () => spawnSync(process.execPath, [HUB_ENTRY, 'hub', 'migrate', '--from', file, '--to', db.url, '--password-file', db.passwordFile], { encoding: 'utf8' });
    const first = migrate();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^events\t40$/m);
    assert.match(first.stdout, /^tokens\t30$/m);
    assert.match(first.stdout, new RegExp(`^hosts\t${30 + BULK}$`, 'm'));
    assert.match(first.stdout, /^host_resources\t1$/m);

    const pg = await openPostgresStorage(db.url, db.password);
    try {
      assert.equal(await pg.hosts.hostForToken('tok-17'), 'edge-17');
      const hosts = await pg.hosts.loadHosts();
      assert.equal(new Set(hosts.map((h) => h.host)).size, 30 + BULK, 'every host once, none lost between pages');
      assert.equal((await pg.hosts.loadHost(`bulk-0${BULK - 1}`))?.branch, `hosts/bulk-${BULK - 1}`);
      assert.equal((await pg.auth.userForToken('ana-token'))?.name, 'ana');
      assert.equal((await pg.hosts.loadHost('edge-3'))?.lastSeq, 40);
      assert.equal(JSON.stringify((await pg.hosts.loadHost('edge-5'))?.status), JSON.stringify(STATUS));
      assert.deepEqual((await pg.auth.oidcUsers()).map((u) => u.name), ['dave']);
      assert.deepEqual(await pg.metrics.points('edge-3', 0), [{ at: NOW.getTime(), cpu: 50, mem: 25, disk: 75 }]);
      assert.deepEqual((await pg.rollouts.get(rollout.id))?.hosts.map((h) => h.host), ['edge-1', 'edge-2']);
      assert.notEqual((await pg.rollouts.create({ ...rollout, hosts: [] })).id, rollout.id);
      const stored = await pg.hosts.events('edge-3', 100);
      assert.deepEqual(stored.map((e) => e.seq).slice(0, 3), [40, 39, 38]);
      // The ids go on from the copied ones.
      await pg.hosts.insertEvents('edge-3', 40, [{ seq: 41, at: NOW.toISOString(), event: { type: 'sync.started', commit: 'b'.repeat(40), trigger: 'poll' } }], NOW, { rows: 1000, bytes: 1 << 24 });
      const [newest, previous] = await pg.hosts.events('edge-3', 2);
      assert.ok(newest && previous && newest.id > previous.id);
    } finally {
      await pg.close();
    }

    const second = migrate();
    assert.notEqual(second.status, 0);
    assert.match(second.stderr + second.stdout, /already holds hub data/);
  });
});
