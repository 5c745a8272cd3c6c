// What `moor fleet render` writes stays byte for byte what it wrote before the render was made
// faster, and validating a rendered tree in memory finds exactly what validating the written
// tree finds.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProblemList } from '../../../agent/config-text/problems.js';
import { defaultPolicy } from '../../../agent/desired/default-policy.js';
import { DEFAULT_PROJECTS_DIR, validateDir } from '../../../agent/desired/load.js';
import { fleetFiles } from '../../../bench/fleet-files.js';
import { parseFleet } from '../../../fleet/definition.js';
import { validateRendered } from '../../../fleet/fleet.js';
import { sourceFromFiles } from '../../../fleet/read-source.js';
import { writeTrees } from '../../../fleet/render-out.js';
import { createRenderer, type RenderedHost } from '../../../fleet/render.js';
import { treeDir, YamlParses } from '../../../fleet/tree-dir.js';

/** sha256 over every file below `root`: relative path, NUL, content, NUL, in sorted walk order. */
function digest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else hash.update(`${path.relative(root, abs)}\0`).update(readFileSync(abs)).update('\0');
    }
  };
  walk(root);
  return hash.digest('hex');
}

function renderFiles(files: ReadonlyMap<string, Buffer>): RenderedHost[] {
  const source = sourceFromFiles(files);
  const problems = new ProblemList();
  const fleet = parseFleet(source, problems);
  const renderer = createRenderer(fleet, source.stacks, { policy: defaultPolicy() }, problems);
  const hosts = fleet.hosts.map((h) => renderer.render(h));
  assert.deepEqual(problems.items, []);
  return hosts;
}

const bytes = (files: Record<string, string>): Map<string, Buffer> => new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));

describe('fleet render output', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'moor-fleet-output-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('renders the bench fleet of 120 hosts to the same bytes as the render before the speed-up (commit e716779)', async () => {
    const hosts = renderFiles(fleetFiles(120));
    writeTrees(path.join(scratch, 'bench'), hosts);
    assert.equal(readdirSync(path.join(scratch, 'bench')).length, 120);
    assert.equal(digest(path.join(scratch, 'bench')), 'fd977cbc21cdb37d80233670dbbb0ccb5999bb23cd8ccdce70ce67b0b2b43e13');
    assert.deepEqual(await validateRendered(hosts, defaultPolicy()), []);
  });

  it('checks trees that differ only in the host moor.yaml names once, and names every such host', async () => {
    const fleet = {
      'fleet.yaml': 'groups:\n  - { name: all, select: {}, stacks: [app] }\n',
      'stacks/app/compose.yaml': 'services:\n  app:\n    image: local/busybox:1\n    command: ["sleep", "1"]\n    ports: ["${PORT}:80"]\n',
      'hosts/a-1.yaml': 'labels: { site: a }\nvalues: { PORT: "0" }\n',
      'hosts/a-2.yaml': 'labels: { site: a }\nvalues: { PORT: "0" }\n',
      'hosts/b-1.yaml': 'labels: { site: b }\nvalues: { PORT: "0" }\n',
      'hosts/c-1.yaml': 'labels: { site: a }\nvalues: { PORT: "8080" }\n',
    };
    const hosts = renderFiles(bytes(fleet));
    const problems = await validateRendered(hosts, defaultPolicy());
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.key}`),
      ['a-1 (rendered): compose.yaml:10: services.app.ports[0]', 'a-2 (rendered): compose.yaml:10: services.app.ports[0]', 'b-1 (rendered): compose.yaml:10: services.app.ports[0]'],
    );
    // Each host alone gets what it gets among the others.
    for (const h of hosts) assert.deepEqual(await validateRendered([h], defaultPolicy()), problems.filter((p) => p.file.startsWith(`${h.host} `)));
  });

  it('finds in memory exactly the problems the loader finds in the written tree', async () => {
    const fleet = {
      'fleet.yaml': 'groups:\n  - { name: all, select: {}, stacks: [app] }\n',
      'stacks/app/compose.yaml':
        'services:\n  app:\n    image: local/busybox:1\n    command: ["sleep", "1"]\n    ports: ["${PORT}:80"]\n    volumes: ["./conf/app.conf:/etc/app.conf:ro", "${DATA}:/data"]\n    env_file: [app.env, { path: missing.env, required: false }]\n',
      'stacks/app/app.env': 'A=${PORT}\n',
      'stacks/app/conf/app.conf': 'x = 1\n',
      'stacks/app/units/app-clean.service': '[Service]\nExecStart=/bin/true\n',
      'stacks/app/units/app-clean.service.d/bad-name': 'x\n',
      'stacks/app/moor.yaml': 'units:\n  - { name: app-clean.service, enabled: false }\nfiles:\n  - { path: /etc/moor-files/a, source: files/none.txt }\n',
      'hosts/good.yaml': 'labels: { role: app }\nvalues: { PORT: "8080", DATA: app-data }\n',
      'hosts/bad.yaml': 'labels: { role: app }\nvalues: { PORT: "70000", DATA: "../outside" }\n',
    };
    const hosts = renderFiles(bytes(fleet));
    writeTrees(path.join(scratch, 'parity'), hosts);
    const parses = new YamlParses();
    for (const h of hosts) {
      const options = { policy: defaultPolicy(), projectsDir: DEFAULT_PROJECTS_DIR };
      const onDisk = await validateDir(path.join(scratch, 'parity', h.host), options);
      const inMemory = await validateDir(treeDir(`rendered/${h.host}`, h.tree, parses), options);
      assert.ok(onDisk.length > 0, `${h.host}: the fixture has problems (a missing files: source, a misnamed drop-in)`);
      assert.deepEqual(inMemory, onDisk, h.host);
    }
  });

  it('rewrites, in a folder holding an earlier render, only the files whose bytes differ', () => {
    const fleet = {
      'fleet.yaml': 'groups:\n  - { name: all, select: {}, stacks: [app] }\n',
      'stacks/app/compose.yaml': 'services:\n  app:\n    image: local/busybox:1\n    environment: { PORT: "${PORT}" }\n',
      'hosts/one.yaml': 'labels: { role: app }\nvalues: { PORT: "8080" }\n',
      'hosts/two.yaml': 'labels: { role: app }\nvalues: { PORT: "8080" }\n',
    };
    const out = path.join(scratch, 'again');
    writeTrees(out, renderFiles(bytes(fleet)));
    const old = new Date('2020-01-01T00:00:00Z');
    for (const host of ['one', 'two']) for (const f of ['compose.yaml', '.env', 'moor.yaml']) utimesSync(path.join(out, host, f), old, old);
    // A hand edit of the same size is found by content, not by size.
    writeFileSync(path.join(out, 'two', 'compose.yaml'), readFileSync(path.join(out, 'two', 'compose.yaml'), 'utf8').replace('app:', 'xyz:'));
    writeTrees(out, renderFiles(bytes({ ...fleet, 'hosts/one.yaml': 'labels: { role: app }\nvalues: { PORT: "9090" }\n' })));
    const touched = (host: string, f: string): boolean => statSync(path.join(out, host, f)).mtimeMs !== old.getTime();
    assert.deepEqual(
      ['one', 'two'].flatMap((host) => ['compose.yaml', '.env', 'moor.yaml'].filter((f) => touched(host, f)).map((f) => `${host}/${f}`)),
      ['one/.env', 'two/compose.yaml'],
    );
    assert.equal(readFileSync(path.join(out, 'one', '.env'), 'utf8').includes('PORT=9090'), true);
    assert.equal(readFileSync(path.join(out, 'two', 'compose.yaml'), 'utf8').includes('  app:'), true);
  });
});
