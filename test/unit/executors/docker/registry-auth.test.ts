// Image reference parsing and registry credential lookup, without an engine.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  findCredential,
  normaliseRegistryHost,
  parseImageRef,
  readDockerConfigAuths,
  toRegistryAuth,
} from '../../../../agent/executors/docker/registry-auth.js';

test('an image without a registry comes from docker.io with tag latest', () => {
  assert.deepEqual(parseImageRef('busybox'), { registry: 'docker.io', repository: 'busybox', tag: 'latest' });
  assert.deepEqual(parseImageRef('library/nginx:1.25'), { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' });
});

test('a first component with a dot, a port or named localhost is the registry', () => {
  assert.deepEqual(parseImageRef('registry.example.com/fleet/app:2'), {
    registry: 'registry.example.com',
    repository: 'registry.example.com/fleet/app',
    tag: '2',
  });
  assert.deepEqual(parseImageRef('127.0.0.1:5000/moor/busybox'), {
    registry: '127.0.0.1:5000',
    repository: '127.0.0.1:5000/moor/busybox',
    tag: 'latest',
  });
  assert.equal(parseImageRef('localhost/app:1').registry, 'localhost');
  assert.equal(parseImageRef('localhost:5000/app').registry, 'localhost:5000');
  assert.equal(parseImageRef('local/busybox:1').registry, 'docker.io');
});

test('a digest wins over a tag', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(parseImageRef(`host:5000/app:1@${digest}`), {
    registry: 'host:5000',
    repository: 'host:5000/app',
    tag: digest,
  });
});

test('Docker Hub is recognised under all its names', () => {
  for (const h of ['https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io', 'docker.io']) {
    assert.equal(normaliseRegistryHost(h), 'docker.io');
  }
  assert.equal(normaliseRegistryHost('https://Registry.Example.com/v2/'), 'registry.example.com');
});

test('credentials are found by registry host, and Docker Hub gets its index address', () => {
  const creds = [
    { host: 'registry.example.com', username: 'a', password: 'p' },
    { host: 'https://index.docker.io/v1/', username: 'hub', password: 'q' },
  ];
  assert.equal(findCredential('registry.example.com', creds)?.username, 'a');
  assert.equal(findCredential('docker.io', creds)?.username, 'hub');
  assert.equal(findCredential('other.example.com', creds), null);
  assert.equal(toRegistryAuth('docker.io', creds[1]!).serveraddress, 'https://index.docker.io/v1/');
});

test('a Docker config.json gives credentials from base64 auth entries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moor-auth-'));
  try {
    const file = join(dir, 'config.json');
    const auth = Buffer.from('fleet:pa:ss').toString('base64');
    await writeFile(file, JSON.stringify({ auths: { '127.0.0.1:5000': { auth }, 'empty.example': {} } }));
    assert.deepEqual(await readDockerConfigAuths(file), [{ host: '127.0.0.1:5000', username: 'fleet', password: 'pa:ss' }]);
    assert.deepEqual(await readDockerConfigAuths(join(dir, 'missing.json')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
