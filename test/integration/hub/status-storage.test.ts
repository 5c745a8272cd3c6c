// How the hub stores a host's status, on both adapters: its resources (most of its size) in
// host_resources, written only when a flush says they changed; the rest in the hosts row. Reads give
// the status back as it was sent, keys in the same order, also for rows written before the split.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResourceStatus, StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { openDatabase } from '../../../agent/sqlite/database.js';
import { MIGRATIONS } from '../../../hub/storage/migrations.js';
import { openPostgresStorage, openSqliteStorage, type OpenStorage } from '../../../hub/storage/open.js';
import type { HostWrite } from '../../../hub/storage/port.js';
import { createPool } from '../../../hub/storage/postgres-exec.js';
import { migratePostgres } from '../../../hub/storage/postgres-migrate.js';
import { createTestDatabase, postgresBed } from '../../bed/postgres-db.js';

const NOW = '2026-12-01T00:00:00.000Z';
/** The schema before host_resources. */
const BEFORE_SPLIT = 8;

const resources = (health: ResourceStatus['health']): ResourceStatus[] =>
  Array.from({ length: 3 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health, detail: 'running' }));

function status(applied: string, res: ResourceStatus[]): StatusSnapshot {
  return {
    host: 'edge-1', version: '1.0.0', branch: 'hosts/edge-1', revision: { applied, lastGood: applied, head: applied }, state: 'idle',
    lastSync: { at: NOW, commit: applied, result: 'converged', error: null }, source: null, suspended: null, pending: null,
    resources: res, drift: [], hub: null,
  };
}

function row(s: StatusSnapshot | null, resourcesStored?: boolean): HostWrite {
  return { host: 'edge-1', branch: 'hosts/edge-1', version: '1.0.0', inventory: null, status: s, metrics: null, summary: null, lastSeen: NOW, lastSeq: 0, firstSeen: NOW,
    ...(resourcesStored !== undefined ? { resourcesStored } : {}) };
}

/** A database at the schema before the split, and a way to put a host row in it as a hub of that time wrote it. */
interface OldDatabase {
  insertHost(host: string, statusText: string): Promise<void>;
  open(): Promise<OpenStorage>;
}

function specification(kind: string, open: () => Promise<OpenStorage>, old: () => Promise<OldDatabase>, skip: string | false): void {
  describe(`a host's status stored on ${kind}`, { skip }, () => {
    const opened: OpenStorage[] = [];
    const fresh = async (s?: Promise<OpenStorage>): Promise<OpenStorage> => {
      const storage = await (s ?? open());
      opened.push(storage);
      return storage;
    };
    after(async () => {
      for (const s of opened) await s.close();
    });

    it('reads a status back as it was written, keys in the same order, its resources kept in host_resources', async () => {
      const s = await fresh();
      const written = status('a'.repeat(40), resources('healthy'));
      await s.hosts.saveHosts([row(written)]);
      const read = (await s.hosts.loadHost('edge-1'))?.status;
      assert.equal(JSON.stringify(read), JSON.stringify(written));
      const stored = await s.exec.all<{ status: string; resources: string }>(
        'SELECT h.status, r.resources FROM hosts h JOIN host_resources r ON r.host = h.host WHERE h.host = ?', ['edge-1']);
      assert.deepEqual(JSON.parse(stored[0]?.resources ?? ''), written.resources);
      assert.equal(JSON.parse(stored[0]?.status ?? '').resources, null, 'the hosts row holds the rest of the status');
    });

    it('leaves the stored resources as they are for a row whose resources are stored, and writes the rest of its status', async () => {
      const s = await fresh();
      await s.hosts.saveHosts([row(status('a'.repeat(40), resources('healthy')))]);
      await s.hosts.saveHosts([row(status('b'.repeat(40), resources('unhealthy')), true)]);
      const read = (await s.hosts.loadHost('edge-1'))?.status;
      assert.equal(read?.revision.applied, 'b'.repeat(40));
      assert.deepEqual(read?.resources, resources('healthy'), 'resources not written: the flush said they were stored');
      await s.hosts.saveHosts([row(status('c'.repeat(40), resources('unhealthy')), false)]);
      assert.deepEqual((await s.hosts.loadHost('edge-1'))?.status?.resources, resources('unhealthy'));
      assert.deepEqual((await s.hosts.loadHosts()).map((r) => r.status?.resources), [resources('unhealthy')]);
    });

    it('reads a host without a status as null, and keeps the row of one whose status came later', async () => {
      const s = await fresh();
      await s.hosts.saveHosts([row(null)]);
      assert.equal((await s.hosts.loadHost('edge-1'))?.status, null);
      await s.hosts.saveHosts([row(status('a'.repeat(40), []))]);
      assert.deepEqual((await s.hosts.loadHostsNamed(['edge-1']))[0]?.status?.resources, []);
    });

    it('reads a row written before the split (resources in its status) as it was, and splits it at its next write', async () => {
      const before = await old();
      const written = status('a'.repeat(40), resources('healthy'));
      await before.insertHost('edge-1', JSON.stringify(written));
      const s = await fresh(before.open());
      assert.equal(JSON.stringify((await s.hosts.loadHost('edge-1'))?.status), JSON.stringify(written));
      const next = status('b'.repeat(40), resources('starting'));
      await s.hosts.saveHosts([row(next)]);
      assert.equal(JSON.stringify((await s.hosts.loadHosts())[0]?.status), JSON.stringify(next));
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sqliteFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-hub-status-'));
  dirs.push(dir);
  return join(dir, 'hub.db');
}

specification('SQLite', async () => openSqliteStorage(sqliteFile()), async () => {
  const file = sqliteFile();
  const db = openDatabase({ file, migrations: MIGRATIONS.slice(0, BEFORE_SPLIT).map((m) => m.sqlite), what: 'hub database' });
  return {
    async insertHost(host, statusText) {
      db.prepare('INSERT INTO hosts (host, first_seen, status, last_seen) VALUES (?, ?, ?, ?)').run(host, NOW, statusText, NOW);
    },
    async open() {
      db.close();
      return openSqliteStorage(file);
    },
  };
}, false);

specification('PostgreSQL', async () => {
  const db = await createTestDatabase();
  return openPostgresStorage(db.url, db.password);
}, async () => {
  const db = await createTestDatabase();
  const pool = createPool({ url: db.url, password: db.password });
  await migratePostgres(pool, MIGRATIONS.slice(0, BEFORE_SPLIT).map((m) => m.postgres));
  return {
    async insertHost(host, statusText) {
      await pool.query('INSERT INTO hosts (host, first_seen, status, last_seen) VALUES ($1, $2, $3, $4)', [host, NOW, statusText, NOW]);
    },
    async open() {
      await pool.end();
      return openPostgresStorage(db.url, db.password);
    },
  };
}, postgresBed() ? false : 'no PostgreSQL test bed (bash test/bed/postgres.sh start; eval "$(bash test/bed/postgres.sh env)")');
