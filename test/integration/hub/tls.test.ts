// The hub over TLS (hub.yaml `tls: {cert, key}`) and the agent's verification of it: a hub whose
// certificate the agent's caFile vouches for is reached; without that CA the link is refused.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createHeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { hubDatabaseYaml } from '../../bed/postgres-db.js';
import { freePort, HUB_ENTRY, sleep, statusOf, waitFor } from './hub-process.js';

const logger = pino({ level: 'silent' });

function healthy(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

describe('the hub over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-hub-tls-'));
  const cert = join(dir, 'hub.crt');
  const key = join(dir, 'hub.key');
  let port = 0;
  let hub: ChildProcess;
  let token = '';
  const reporters: Reporter[] = [];

  const reporter = (host: string, caFile: string | null): Reporter => {
    const r = createReporter(
      {
        db: openDatabase({ file: join(dir, `${host}.db`) }),
        logger,
        now: () => new Date(),
        random: Math.random,
        status: () => statusOf(host),
        metrics: createHeartbeatSampler({ diskPaths: [dir], agentVersion: '0.1.0-test' }),
        onSyncNow: () => undefined,
      },
      {
        settings: { url: `wss://127.0.0.1:${port}/agent`, token, heartbeatMs: 200, caFile, outboxLimit: 1000 },
        host,
        version: '0.1.0-test',
        backoffMinMs: 100,
        backoffMaxMs: 300,
      },
    );
    reporters.push(r);
    r.start();
    return r;
  };

  before(async () => {
    const ssl = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=moor-hub-test', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ]);
    assert.equal(ssl.status, 0, String(ssl.stderr));
    port = await freePort();
    const config = join(dir, 'hub.yaml');
    writeFileSync(config, `listen: 127.0.0.1:${port}\n${await hubDatabaseYaml()}tls: { cert: ${cert}, key: ${key} }\n`);
    const add = spawnSync(process.execPath, [HUB_ENTRY, 'hub', 'token', 'add', 'tls-host', '--config', config], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    token = add.stdout.trim().split('\n').pop() ?? '';
    const out = openSync(join(dir, 'hub.log'), 'a');
    hub = spawn(process.execPath, [HUB_ENTRY, 'hub', '--config', config], { stdio: ['ignore', out, out] });
    // Room for a busy machine: the hub may take many seconds to listen.
    await waitFor('the hub to answer over TLS', () => healthy(port, readFileSync(cert)), 60_000);
  });

  after(async () => {
    await Promise.all(reporters.map((r) => r.stop()));
    if (hub.exitCode === null) {
      const exited = new Promise((r) => hub.once('exit', r));
      hub.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects when the agent trusts the hub through its caFile', async () => {
    const r = reporter('tls-host', cert);
    await waitFor('the agent to connect over wss', () => r.connected(), 60_000);
  });

  it('refuses a hub whose certificate the agent cannot verify', async () => {
    const r = reporter('tls-host', null);
    await sleep(1500);
    assert.equal(r.connected(), false);
  });
});
