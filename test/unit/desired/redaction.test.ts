import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import path from 'node:path';
import { configDir } from './fixtures.js';

const MAIN = path.resolve('build/moor.cjs');
const DB_PASSWORD = 'hunter2-db-Pa55';
const API_TOKEN = 'tok_9f8e7d6c5b4a';
const FROM_ENV_FILE = 'env-file-value-42';
const FILE_CONTENT = 'top secret file body';

const COMPOSE = `services:
  app:
    image: local/busybox:1
    command: ["sh", "-c", "connect --password=\${DB_PASSWORD} --token \${API_TOKEN}"]
    environment:
      DATABASE_URL: "postgres://app:\${DB_PASSWORD}@db:5432/app"
      PLAIN: "visible"
    env_file: [app.env]
    labels:
      backup.url: "s3://u:\${API_TOKEN}@bucket"
    healthcheck:
      test: ["CMD-SHELL", "pg_isready --password \${DB_PASSWORD}"]
`;

function planJson(dir: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [MAIN, 'plan', '--dir', dir, '--offline', '--json'], { encoding: 'utf8', env: withoutConfig() });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('secrets are never printed', () => {
  it('plan --json shows no secret value anywhere, not even inside other strings, and no file contents', async () => {
    const dir = await configDir({
      'compose.yaml': COMPOSE,
      '.env': `DB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=${API_TOKEN}\nREGION=eu\n`,
      'app.env': `FROM_FILE=${FROM_ENV_FILE}\n`,
      'moor.yaml': 'files:\n  - { path: /etc/moor-files/app.conf, source: files/app.conf }\n',
      'files/app.conf': FILE_CONTENT,
    });
    const run = planJson(dir);
    assert.equal(run.status, 3, run.stderr);
    for (const secret of [DB_PASSWORD, API_TOKEN, FROM_ENV_FILE, FILE_CONTENT, Buffer.from(FILE_CONTENT).toString('base64')]) {
      assert.ok(!run.stdout.includes(secret), `plan --json shows ${secret}`);
      assert.ok(!run.stderr.includes(secret), `plan --json logs ${secret}`);
    }
    assert.match(run.stdout, /postgres:\/\/app:\(redacted\)@db:5432\/app/);
    assert.match(run.stdout, /"visible"/);
  });
  it('plan text shows no secret value either', async () => {
    const dir = await configDir({ 'compose.yaml': COMPOSE, '.env': `DB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=${API_TOKEN}\n`, 'app.env': `FROM_FILE=${FROM_ENV_FILE}\n` });
    const run = spawnSync(process.execPath, [MAIN, 'plan', '--dir', dir, '--offline'], { encoding: 'utf8', env: withoutConfig() });
    assert.equal(run.status, 3, run.stderr);
    for (const secret of [DB_PASSWORD, API_TOKEN, FROM_ENV_FILE]) assert.ok(!run.stdout.includes(secret), `plan shows ${secret}`);
  });
});

/** The environment without MOOR_CONFIG: no agent.yaml, as in a config repo's CI. */
function withoutConfig(): NodeJS.ProcessEnv {
  const { MOOR_CONFIG: _none, ...env } = process.env;
  return env;
}
