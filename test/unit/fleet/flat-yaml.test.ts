// The fast path for host files: whenever it answers, it answers exactly what the full YAML
// parser answers (value, line of every key path, depth); anything it is unsure of it declines.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseYaml } from '../../../agent/config-text/yaml-file.js';
import { parseFlatYaml } from '../../../fleet/flat-yaml.js';

function full(text: string): ReturnType<typeof parseYaml> {
  return parseYaml('hosts/h.yaml', text);
}

function assertSameAsFull(text: string): void {
  const fast = parseFlatYaml('hosts/h.yaml', text);
  if (fast === null) return;
  const slow = full(text);
  assert.ok(slow.ok, `fast path accepted what the parser refuses: ${JSON.stringify(text)}`);
  assert.deepEqual(fast.value, slow.yaml.value, JSON.stringify(text));
  const paths: (string | number)[][] = [[], ['nope'], ['nope', 'x']];
  for (const [k, v] of Object.entries(fast.value as Record<string, unknown>)) {
    paths.push([k], [k, 'missing'], [k, 5]);
    if (Array.isArray(v)) v.forEach((_, i) => paths.push([k, i], [k, i, 'deeper']));
    else if (typeof v === 'object' && v !== null) for (const sub of Object.keys(v)) paths.push([k, sub], [k, sub, 'deeper']);
  }
  for (const p of paths) {
    assert.deepEqual(fast.locate(p), slow.yaml.locate(p), `${JSON.stringify(text)} at ${JSON.stringify(p)}`);
    assert.equal(fast.depthOf(p), slow.yaml.depthOf(p), `${JSON.stringify(text)} depth at ${JSON.stringify(p)}`);
  }
}

describe('the fast path for host files', () => {
  it('reads the usual host file without the full parser', () => {
    const text = '# edge camera\nlabels: { site: berlin, role: camera }\nvalues: { CAMERA_URL: "rtsp://10.0.1.5/live", HOST: 10.0.0.5 }\nstacks: [extra-sensor]\n';
    const fast = parseFlatYaml('hosts/h.yaml', text);
    assert.ok(fast);
    assert.deepEqual(fast.value, { labels: { site: 'berlin', role: 'camera' }, values: { CAMERA_URL: 'rtsp://10.0.1.5/live', HOST: '10.0.0.5' }, stacks: ['extra-sensor'] });
    assert.equal(fast.locate(['values', 'HOST']).line, 3);
    assertSameAsFull(text);
  });

  it('declines whatever is not certainly a string, or not one line per key', () => {
    for (const text of [
      'labels: { rack: 7 }\n',
      'labels: { on: true }\n',
      'values: { X: null }\n',
      'values: { X: 0755 }\n',
      'values: { X: 1e3 }\n',
      'values: { X: ~ }\n',
      'values: { X: "a\\tb" }\n',
      'labels: { a: b } # comment\n',
      'labels:\n  a: b\n',
      'labels: { a: b, a: c }\n',
      'labels: {}\nlabels: {}\n',
      'labels: &x { a: b }\n',
      'labels: { a:b }\n',
      'labels: { a: b c }\n',
      '---\nlabels: {}\n',
      '',
      "values: { X: 'it''s' }\n",
    ]) assert.equal(parseFlatYaml('hosts/h.yaml', text), null, JSON.stringify(text));
  });

  it('agrees with the full parser on generated host files', () => {
    const scalar = fc.oneof(
      fc.constantFrom('berlin', 'site-1', 'a_b', '10.0.0.5', '1.2', '0', '07', '0o7', '0x1F', '1e3', '1_000', 'true', 'True', 'yes', 'no', 'null', '~', 'a:b', 'rtsp://x/y', '-a', '.5', '.inf', '2024-01-01', '__proto__', 'a#b', '#c', '<<', 'a b'),
      fc.constantFrom('"x"', '"a,b"', '"a: b"', '"a#b"', '"\\n"', "'x'", "'a''b'", '""', "''", '"ünï"'),
      fc.stringMatching(/^[a-z0-9._/-]{1,6}$/),
    );
    const space = fc.constantFrom('', ' ', '  ', '\t');
    const flowMap = fc.array(fc.tuple(scalar, space, scalar), { maxLength: 4 }).chain((items) =>
      fc.tuple(space, space, fc.constantFrom('', ',')).map(([a, b, trail]) => `{${a}${items.map(([k, s, v]) => `${k}:${s === '' ? ' ' : s}${v}`).join(', ')}${items.length > 0 ? trail : ''}${b}}`),
    );
    const flowSeq = fc.array(scalar, { maxLength: 4 }).map((items) => `[${items.join(', ')}]`);
    const key = fc.constantFrom('labels', 'values', 'stacks', 'ageRecipient', 'overrides', 'x_1', '"q"');
    const line = fc.oneof(
      fc.tuple(key, fc.constantFrom(': ', ':', ':  ', ': \t'), fc.oneof(flowMap, flowSeq, scalar), fc.constantFrom('', ' ', ' # c', '\r')).map((p) => p.join('')),
      fc.constantFrom('', '# comment', '  # indented comment', '  a: b', '---', '...'),
    );
    fc.assert(fc.property(fc.array(line, { maxLength: 5 }), (lines) => assertSameAsFull(lines.join('\n'))), { numRuns: 3000 });
  });
});
