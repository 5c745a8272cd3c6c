// The verbs' exit codes and first steps tell the truth: status and history fail when they
// cannot answer, validate and plan --dir never judge by a policy other than the one named, and
// a verb that takes the lock on a fresh host makes the state dir.

import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { moor, tempDir, writeAgentConfig } from '../../bed/agent-process.js';

const dir = tempDir('moor-verbs-');
after(() => rmSync(dir, { recursive: true, force: true }));

const configDir = join(dir, 'config');
mkdirSync(configDir);
writeFileSync(join(configDir, 'compose.yaml'), 'services:\n  web:\n    image: local/busybox:1\n    network_mode: none\n');

function agentYaml(stateDir: string): string {
  return `host: verbs-host\nsource:\n  url: ${join(dir, 'no-such-repo')}\n  branch: main\nstateDir: ${stateDir}\nsystemd: { enabled: false }\n`;
}

describe('exit codes', () => {
  // A regular file where the state dir should be: nothing can be opened under it.
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'not a directory');
  const broken = writeAgentConfig(mkdirSync(join(dir, 'broken'), { recursive: true }) ?? join(dir, 'broken'), agentYaml(join(blocker, 'state')));

  it('moor status exits 1 when it cannot read the state', async () => {
    const r = await moor(['--config', broken, 'status']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /moor: /);
  });

  it('moor history exits 1 when it cannot read the state', async () => {
    const r = await moor(['--config', broken, 'history']);
    assert.equal(r.code, 1, r.stderr);
  });

  it('moor validate refuses a --config that does not exist (exit 2) instead of using the default policy', async () => {
    const r = await moor(['--config', join(dir, 'missing.yaml'), 'validate', configDir]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /missing\.yaml: no such file/);
    assert.doesNotMatch(r.stdout, /valid/);
  });

  it('moor validate refuses an invalid agent.yaml (exit 2) and says why', async () => {
    const bad = join(dir, 'bad-agent.yaml');
    writeFileSync(bad, 'host: x\nsource: { url: 42 }\nnoSuchKey: 1\n');
    const r = await moor(['--config', bad, 'validate', configDir]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad-agent\.yaml:\d+/);
  });

  it('moor plan --dir refuses a --config that does not exist (exit 2)', async () => {
    const r = await moor(['--config', join(dir, 'missing.yaml'), 'plan', '--dir', configDir, '--offline']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
  });

  it('moor validate without any agent.yaml named still checks with the default policy', async () => {
    const r = await moor(['validate', configDir], { env: { MOOR_CONFIG: '' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('a fresh host', () => {
  it('moor sync --once makes the state dir (0700) before taking the lock', async () => {
    const stateDir = join(dir, 'fresh', 'var', 'lib', 'moor');
    const config = writeAgentConfig(mkdirSync(join(dir, 'fresh-config'), { recursive: true }) ?? join(dir, 'fresh-config'), agentYaml(stateDir));
    const r = await moor(['--config', config, 'sync', '--once']);
    assert.doesNotMatch(r.stderr, /agent\.lock/);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  });
});
