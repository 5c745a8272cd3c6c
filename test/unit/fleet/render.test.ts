import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { formatProblem } from '../../../agent/contracts/errors.js';
import { ProblemList } from '../../../agent/config-text/problems.js';
import { parseDotenv } from '../../../agent/desired/compose/dotenv.js';
import { defaultPolicy } from '../../../agent/desired/default-policy.js';
import { parseFleet } from '../../../fleet/definition.js';
import { sourceFromFiles } from '../../../fleet/read-source.js';
import { renderHost, type RenderedHost } from '../../../fleet/render.js';

type Files = Record<string, string>;

const STACKS: Files = {
  'stacks/monitoring/compose.yaml': 'name: edge\nservices:\n  telegraf:\n    image: telegraf:1\n    network_mode: none\n    environment: { INFLUX_URL: "${INFLUX_URL}" }\n',
  'stacks/monitoring/.env': 'INFLUX_URL=http://stack\nLEVEL=stack\n',
  'stacks/monitoring/units/telegraf-rotate.timer': '[Timer]\nOnCalendar=daily\n',
  'stacks/monitoring/files/telegraf.conf': '[agent]\n',
  'stacks/monitoring/moor.yaml': 'files:\n  - { path: /etc/moor-files/telegraf.conf, source: files/telegraf.conf }\nrollout: { healthTimeout: 60s }\n',
  'stacks/frigate/compose.yaml': 'services:\n  frigate:\n    image: "frigate:${FRIGATE_TAG}"\n    network_mode: none\n',
  'stacks/frigate/compose.override.yaml': 'services:\n  frigate:\n    environment: [MODE=override]\n',
  'stacks/mqtt/compose.yaml': 'services:\n  mosquitto:\n    image: eclipse-mosquitto:2\n    network_mode: none\n',
  'stacks/telegraf-gpu/compose.yaml': 'services:\n  telegraf:\n    image: telegraf:1-gpu\n    environment: { GPU: "1" }\n',
};

const FLEET = `hostBranch: hosts/{host}
values: { LEVEL: fleet }
groups:
  - { name: everyone, select: {}, stacks: [monitoring] }
  - { name: cameras, select: "role=camera", stacks: [frigate], values: { FRIGATE_TAG: "0.14", LEVEL: cameras } }
  - { name: berlin, select: { site: berlin }, stacks: [mqtt], values: { LEVEL: berlin } }
`;

function render(files: Files, host: string): { host?: RenderedHost; problems: string[] } {
  const source = sourceFromFiles(new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])));
  const problems = new ProblemList();
  const fleet = parseFleet(source, problems);
  const def = fleet.hosts.find((h) => h.name === host);
  const rendered = def ? renderHost(fleet, source.stacks, def, { policy: defaultPolicy() }, problems) : undefined;
  return { host: rendered, problems: problems.items.map(formatProblem) };
}

function ok(files: Files, host: string): RenderedHost {
  const r = render(files, host);
  assert.deepEqual(r.problems, []);
  assert.ok(r.host);
  return r.host;
}

const text = (h: RenderedHost, file: string): string => h.tree.get(file)?.toString('utf8') ?? assert.fail(`${file} missing`);
const composeOf = (h: RenderedHost): { services: Record<string, Record<string, unknown>> } => parse(text(h, 'compose.yaml')) as { services: Record<string, Record<string, unknown>> };

describe('rendering a host tree from the fleet definition', () => {
  const base: Files = { 'fleet.yaml': FLEET, ...STACKS };

  it("stacks its groups' stacks in fleet.yaml order, then its own stacks", () => {
    const h = ok({ ...base, 'hosts/cam-1.yaml': 'labels: { role: camera, site: berlin }\nstacks: [mqtt]\n' }, 'cam-1');
    assert.deepEqual(h.groups, ['everyone', 'cameras', 'berlin']);
    assert.deepEqual(h.stacks, ['monitoring', 'frigate', 'mqtt']);
    assert.deepEqual(Object.keys(composeOf(h).services), ['telegraf', 'frigate', 'mosquitto']);
    assert.equal(h.branch, 'hosts/cam-1');
  });

  it("applies a stack's own compose.override.yaml onto its compose.yaml", () => {
    const h = ok({ ...base, 'hosts/cam-1.yaml': 'labels: { role: camera }\n' }, 'cam-1');
    assert.deepEqual(composeOf(h).services.frigate, { image: 'frigate:${FRIGATE_TAG}', network_mode: 'none', environment: ['MODE=override'] });
  });

  it('writes values as .env: stack defaults < fleet < groups in order < host', () => {
    const h = ok({ ...base, 'hosts/cam-1.yaml': 'labels: { role: camera, site: berlin }\nvalues: { INFLUX_URL: "http://host #1", PORT: 8080 }\n' }, 'cam-1');
    assert.deepEqual(parseDotenv(text(h, '.env')).vars, { FRIGATE_TAG: '0.14', INFLUX_URL: 'http://host #1', LEVEL: 'berlin', PORT: '8080' });
    const plain = ok({ ...base, 'hosts/plain.yaml': 'labels: {}\n' }, 'plain');
    assert.deepEqual(parseDotenv(text(plain, '.env')).vars, { INFLUX_URL: 'http://stack', LEVEL: 'fleet' });
  });

  it('unions units and files and writes the moor.yaml with the host labels', () => {
    const h = ok({ ...base, 'hosts/cam-1.yaml': 'labels: { site: berlin, role: camera }\n' }, 'cam-1');
    assert.deepEqual([...h.tree.keys()], ['.env', 'compose.yaml', 'files/telegraf.conf', 'moor.yaml', 'units/telegraf-rotate.timer']);
    const manifest = parse(text(h, 'moor.yaml')) as Record<string, unknown>;
    assert.deepEqual(manifest.labels, { role: 'camera', site: 'berlin' });
    assert.deepEqual(manifest.compose, ['compose.yaml']);
    assert.deepEqual(manifest.rollout, { healthTimeout: '60s' });
  });

  it('applies host overrides last', () => {
    const h = ok({ ...base, 'hosts/h.yaml': 'overrides:\n  compose:\n    services:\n      telegraf: { image: telegraf:2, environment: { EXTRA: "1" } }\n' }, 'h');
    assert.deepEqual(composeOf(h).services.telegraf, { image: 'telegraf:2', network_mode: 'none', environment: { INFLUX_URL: '${INFLUX_URL}', EXTRA: '1' } });
  });

  it('is deterministic: the same definition renders the same bytes', () => {
    const files = { ...base, 'hosts/cam-1.yaml': 'labels: { role: camera, site: berlin }\n' };
    const a = ok(files, 'cam-1');
    const b = ok(files, 'cam-1');
    assert.deepEqual([...a.tree.entries()], [...b.tree.entries()]);
  });

  it('refuses two stacks defining the same service, naming both', () => {
    const r = render({ ...base, 'hosts/h.yaml': 'stacks: [telegraf-gpu]\n' }, 'h');
    assert.deepEqual(r.problems, [
      'stacks/telegraf-gpu/compose.yaml:2: services.telegraf: service telegraf is defined by stacks monitoring and telegraf-gpu: rename one, or declare in fleet.yaml `stacks: { telegraf-gpu: { overrides: [monitoring] } }`',
    ]);
  });

  it('lets a stack declared as overriding another merge onto its service', () => {
    const h = ok({ ...base, 'fleet.yaml': `${FLEET}stacks:\n  telegraf-gpu: { overrides: [monitoring] }\n`, 'hosts/h.yaml': 'stacks: [telegraf-gpu]\n' }, 'h');
    assert.deepEqual(composeOf(h).services.telegraf, { image: 'telegraf:1-gpu', network_mode: 'none', environment: { INFLUX_URL: '${INFLUX_URL}', GPU: '1' } });
  });

  it('refuses two stacks providing the same unit or file path with different content', () => {
    const r = render(
      {
        ...base,
        'stacks/other/units/telegraf-rotate.timer': '[Timer]\nOnCalendar=hourly\n',
        'stacks/other/files/telegraf.conf': '[agent]\n',
        'stacks/other/moor.yaml': 'files:\n  - { path: /etc/moor-files/telegraf.conf, source: files/telegraf.conf }\n',
        'hosts/h.yaml': 'stacks: [other]\n',
      },
      'h',
    );
    assert.deepEqual(r.problems, [
      'stacks/other/units/telegraf-rotate.timer:1: units/telegraf-rotate.timer is defined by stacks monitoring and other: rename one, or declare in fleet.yaml `stacks: { other: { overrides: [monitoring] } }`',
      'stacks/other/moor.yaml:2: files[0].path: file /etc/moor-files/telegraf.conf is defined by stacks monitoring and other: rename one, or declare in fleet.yaml `stacks: { other: { overrides: [monitoring] } }`',
    ]);
  });

  it('reports unknown keys and unknown stacks as FILE:LINE: key', () => {
    const r = render(
      { ...base, 'fleet.yaml': `${FLEET}  - { name: extra, stacks: [nope] }\ncolour: blue\n`, 'hosts/h.yaml': 'labels: { a: b }\nvalue: { X: 1 }\n' },
      'h',
    );
    assert.deepEqual(r.problems, [
      'fleet.yaml:8: colour: unsupported key',
      'fleet.yaml:7: groups[3].stacks[0]: stack nope does not exist (no folder stacks/nope)',
      'hosts/h.yaml:2: value: unsupported key',
    ]);
  });

  it('reports a selector that does not parse at its line', () => {
    const r = render({ ...base, 'fleet.yaml': 'groups:\n  - name: bad\n    select: "site in (a"\n', 'hosts/h.yaml': '{}\n' }, 'h');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0] ?? '', /^fleet\.yaml:3: groups\[0\]\.select: selector "site in \(a"/);
  });
});
