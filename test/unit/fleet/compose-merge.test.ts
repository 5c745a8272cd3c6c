import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeCompose } from '../../../fleet/compose-merge.js';

const svc = (base: Record<string, unknown>, over: Record<string, unknown>): unknown =>
  (mergeCompose({ services: { s: base } }, { services: { s: over } }) as { services: { s: unknown } }).services.s;

describe('merging compose documents the way compose.override.yaml merges', () => {
  it('merges maps key by key and replaces scalars', () => {
    assert.deepEqual(svc({ image: 'a:1', restart: 'always' }, { image: 'a:2', user: '1000' }), { image: 'a:2', restart: 'always', user: '1000' });
  });
  it('appends sequences, keeping one copy of an entry both files have', () => {
    assert.deepEqual(svc({ dns: ['1.1.1.1'], cap_add: ['NET_ADMIN'] }, { dns: ['8.8.8.8'], cap_add: ['NET_ADMIN', 'SYS_TIME'] }), {
      dns: ['1.1.1.1', '8.8.8.8'],
      cap_add: ['NET_ADMIN', 'SYS_TIME'],
    });
  });
  it('replaces command, entrypoint and healthcheck.test instead of appending', () => {
    assert.deepEqual(
      svc({ command: ['echo', 'foo'], entrypoint: ['sh'], healthcheck: { test: ['CMD', 'a'], interval: '5s' } }, { command: ['echo', 'bar'], entrypoint: ['bash'], healthcheck: { test: ['CMD', 'b'] } }),
      { command: ['echo', 'bar'], entrypoint: ['bash'], healthcheck: { test: ['CMD', 'b'], interval: '5s' } },
    );
  });
  it('merges environment and labels by key, whether written as lists or maps', () => {
    assert.deepEqual(svc({ environment: ['A=1', 'B=2'], labels: { x: '1' } }, { environment: { B: '3', C: '4' }, labels: ['y=2'] }), {
      environment: { A: '1', B: '3', C: '4' },
      labels: { x: '1', y: '2' },
    });
  });
  it('keeps volumes, secrets and configs unique by their target', () => {
    assert.deepEqual(svc({ volumes: ['./a:/data', 'logs:/logs:ro'], secrets: ['db'] }, { volumes: ['./b:/data', { type: 'tmpfs', target: '/tmp' }], secrets: ['db', 'api'] }), {
      volumes: ['./b:/data', 'logs:/logs:ro', { type: 'tmpfs', target: '/tmp' }],
      secrets: ['db', 'api'],
    });
  });
  it('appends ports but keeps one copy of a port both files publish', () => {
    assert.deepEqual(svc({ ports: ['80:80'] }, { ports: ['80:80', '443:443'] }), { ports: ['80:80', '443:443'] });
  });
  it('turns a depends_on list into the map form when the other file uses a map', () => {
    assert.deepEqual(svc({ depends_on: ['db'] }, { depends_on: { mqtt: { condition: 'service_healthy' } } }), {
      depends_on: { db: { condition: 'service_started' }, mqtt: { condition: 'service_healthy' } },
    });
  });
  it('adds services, volumes and networks of the later document and merges shared top-level entries', () => {
    assert.deepEqual(
      mergeCompose({ name: 'edge', services: { a: { image: 'a' } }, networks: { back: { internal: true } } }, { services: { b: { image: 'b' } }, networks: { back: { labels: { x: '1' } } }, volumes: { data: {} } }),
      { name: 'edge', services: { a: { image: 'a' }, b: { image: 'b' } }, networks: { back: { internal: true, labels: { x: '1' } } }, volumes: { data: {} } },
    );
  });
  it('leaves both inputs untouched', () => {
    const base = { services: { s: { environment: { A: '1' } } } };
    const copy = structuredClone(base);
    mergeCompose(base, { services: { s: { environment: { A: '2' } } } });
    assert.deepEqual(base, copy);
  });
});
