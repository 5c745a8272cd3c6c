// hub.yaml is read with defaults filled, and every problem names its file, line and key.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SettingsError } from '../../../agent/contracts/errors.js';
import { parseHubSettings } from '../../../hub/settings.js';

describe('hub settings', () => {
  it('fills the documented defaults (config/hub.yaml) for an empty file', () => {
    const s = parseHubSettings('', '/etc/moor/hub.yaml');
    assert.deepEqual(s.listen, { host: '127.0.0.1', port: 7070 });
    assert.equal(s.database, '/var/lib/moor-hub/hub.db');
    assert.equal(s.offlineAfterMs, 60_000);
    assert.equal(s.webhookSecret, null);
    assert.deepEqual(s.alerts, { url: null, suspendedAfterMs: 3_600_000, timeoutMs: 5000 });
  });

  it('resolves relative paths against the folder of the file and reads durations', () => {
    const s = parseHubSettings('listen: 0.0.0.0:9000\ndatabase: ./hub.db\nofflineAfter: 1m30s\nalerts: { url: "https://chat.example.com/hook", suspendedAfter: 2h }\n', '/srv/hub/hub.yaml');
    assert.equal(s.database, '/srv/hub/hub.db');
    assert.equal(s.offlineAfterMs, 90_000);
    assert.equal(s.alerts.suspendedAfterMs, 7_200_000);
    assert.equal(s.alerts.url, 'https://chat.example.com/hook');
  });

  it('names the line and key of an unknown key and of a bad duration', () => {
    assert.throws(
      () => parseHubSettings('listen: 127.0.0.1:7070\nofflineAfter: soon\nalerts:\n  uri: x\n', 'hub.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError);
        assert.deepEqual(err.problems.map((p) => `${p.line}:${p.key}`).sort(), ['2:offlineAfter', '4:alerts.uri']);
        return true;
      },
    );
  });

  it('says when the webhook secret file cannot be read', () => {
    assert.throws(() => parseHubSettings('webhookSecretFile: /nonexistent/secret\n', 'hub.yaml'), /webhookSecretFile: cannot read/);
  });

  it('reads the OpenID settings, the scrape token and the limits, with their secrets from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-hub-settings-'));
    writeFileSync(join(dir, 'oidc-secret'), 'client-secret\n');
    writeFileSync(join(dir, 'scrape'), 'scrape-token\n');
    const s = parseHubSettings(
      'listen: 127.0.0.1:7070\nmetricsTokenFile: scrape\nrateLimitPerMinute: 600\nmaxConcurrentRequests: 16\nsession: 1h\n' +
        'oidc: { issuer: "https://id.example.com", clientId: moor, clientSecretFile: oidc-secret, roleClaim: groups, roleMap: { ops: operator } }\n',
      join(dir, 'hub.yaml'),
    );
    assert.equal(s.metricsToken, 'scrape-token');
    assert.deepEqual(s.oidc, { issuer: 'https://id.example.com', clientId: 'moor', clientSecret: 'client-secret', roleClaim: 'groups', roleMap: { ops: 'operator' }, redirectUrl: null });
    assert.equal(s.rateLimitPerMinute, 600);
    assert.equal(s.maxConcurrentRequests, 16);
    assert.equal(s.sessionMs, 3_600_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('names oidc.roleMap when it maps to a role moor does not have', () => {
    assert.throws(
      () => parseHubSettings('oidc:\n  issuer: https://id.example.com\n  clientId: moor\n  clientSecretFile: /nonexistent\n  roleMap: { ops: root }\n', 'hub.yaml'),
      (err: unknown) => err instanceof SettingsError && err.problems.some((p) => p.key === 'oidc.roleMap.ops' && p.line === 5),
    );
  });

  it('takes a PostgreSQL URL with the password read from its own file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-hub-settings-'));
    try {
      writeFileSync(join(dir, 'db-password'), 'pw-from-file\n');
      const s = parseHubSettings('database: { url: "postgres://moor@db.example.com:5432/moor", passwordFile: db-password }\n', join(dir, 'hub.yaml'));
      assert.equal(s.database, 'postgres://moor@db.example.com:5432/moor');
      assert.equal(s.databasePassword, 'pw-from-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a password written into the database URL, naming the line and key', () => {
    assert.throws(
      () => parseHubSettings('listen: 127.0.0.1:7070\ndatabase: postgres://moor:secret@db:5432/moor\n', 'hub.yaml'),
      (err: unknown) => err instanceof SettingsError && err.problems.some((p) => p.key === 'database' && p.line === 2 && /passwordFile/.test(p.message)),
    );
  });
});
