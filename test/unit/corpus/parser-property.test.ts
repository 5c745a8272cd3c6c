// Property tests of the config parser (fast-check): whatever the input it fails only with
// InvalidConfigError, generated valid compose files parse, and map order never changes a hash.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../../../agent/desired/load.js';
import { InvalidConfigError } from '../../../agent/contracts/errors.js';
import { DEFAULT_POLICY } from './corpus-dir.js';

type Service = Record<string, unknown>;

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/);
const safeText = fc.stringMatching(/^[a-zA-Z0-9 _.:/-]{0,16}$/);
const service: fc.Arbitrary<Service> = fc.record(
  {
    image: fc.constantFrom('local/busybox:1', 'nginx:1.25', 'registry.example.com/team/app:2'),
    command: fc.array(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { minLength: 1, maxLength: 4 }),
    environment: fc.dictionary(envKey, safeText, { maxKeys: 6 }),
    labels: fc.dictionary(fc.stringMatching(/^com\.example\.[a-z]{1,6}$/), safeText, { maxKeys: 4 }),
    restart: fc.constantFrom('no', 'always', 'unless-stopped', 'on-failure'),
    network_mode: fc.constantFrom('none', 'host'),
    stop_grace_period: fc.constantFrom('1s', '10s', '1m30s'),
    read_only: fc.boolean(),
    init: fc.boolean(),
    working_dir: fc.constantFrom('/', '/srv/app', '/tmp'),
    cap_drop: fc.uniqueArray(fc.constantFrom('NET_RAW', 'MKNOD', 'SYS_CHROOT'), { maxLength: 3 }),
  },
  { requiredKeys: ['image'] },
);
const composeFile = fc.dictionary(name, service, { minKeys: 1, maxKeys: 5 }).map((services) => ({ name: 'prop', services }));

/** The same data with every map's keys in another order (lists untouched). */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const shuffled = keys.map((k, i) => ({ k, r: Math.sin(seed * 9301 + i * 49297) })).sort((a, b) => a.r - b.r).map((e) => e.k);
    return Object.fromEntries(shuffled.map((k) => [k, reorder((value as Record<string, unknown>)[k], seed)]));
  }
  return value;
}

describe('the config parser, for any input', () => {
  let root = '';
  let n = 0;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'moor-prop-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const parse = async (text: string, file = 'compose.yaml') => {
    const dir = path.join(root, String(n++));
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(path.join(dir, file), text);
    return loadDesiredState(dir, { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
  };
  const onlyInvalidConfig = async (text: string, file?: string): Promise<void> => {
    try {
      await parse(text, file);
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw new Error(`threw ${String(err)} for ${JSON.stringify(text.slice(0, 200))}`);
    }
  };

  it('never throws anything but InvalidConfigError on arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), (text) => onlyInvalidConfig(text)), { numRuns: 200 });
  });

  it('never throws anything but InvalidConfigError on arbitrary YAML data, as compose or manifest', async () => {
    const anything = fc.jsonValue({ maxDepth: 5 });
    const shaped = fc.record({ services: fc.dictionary(name, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }), volumes: anything, networks: anything }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(anything, shaped), fc.constantFrom('compose.yaml', 'moor.yaml'), (value, file) => onlyInvalidConfig(stringify(value), file)),
      { numRuns: 300 },
    );
  });

  it('never throws anything but InvalidConfigError on a valid file with characters cut out', async () => {
    await fc.assert(
      fc.asyncProperty(composeFile, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (file, cuts) => {
        let text = stringify(file);
        for (const c of cuts) text = text.slice(0, c % text.length) + text.slice((c % text.length) + 1);
        return onlyInvalidConfig(text);
      }),
      { numRuns: 200 },
    );
  });

  it('parses every generated valid compose file into one container per service', async () => {
    await fc.assert(
      fc.asyncProperty(composeFile, async (file) => {
        const state = await parse(stringify(file));
        assert.deepEqual(state.containers.map((c) => c.name).sort(), Object.keys(file.services).map((s) => `prop-${s}`).sort());
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same hashes whatever order the maps are written in', async () => {
    await fc.assert(
      fc.asyncProperty(composeFile, fc.integer({ min: 1, max: 1000 }), async (file, seed) => {
        const hashes = async (value: unknown) => (await parse(stringify(value))).containers.map((c) => `${c.name}=${c.hash}`).sort();
        assert.deepEqual(await hashes(reorder(file, seed)), await hashes(file));
      }),
      { numRuns: 150 },
    );
  });
});
