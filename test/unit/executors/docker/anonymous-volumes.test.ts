// A replacement container gets the anonymous volumes of the one it replaces, as docker compose
// gives them: at a `- /data` of the service and at a VOLUME of the image; named volumes and
// binds stay as the spec says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonymousVolumesOf, withInheritedVolumes } from '../../../../agent/executors/docker/anonymous-volumes.js';
import { container } from '../../planner/fixtures.js';

const OLD_DATA = 'a'.repeat(64);
const OLD_CACHE = 'b'.repeat(64);

describe('anonymous volumes of a replaced container', () => {
  it('are the volume mounts the engine named itself', () => {
    const found = anonymousVolumesOf([
      { Type: 'volume', Name: OLD_DATA, Destination: '/data' },
      { Type: 'volume', Name: 'app_db', Destination: '/db' },
      { Type: 'bind', Destination: '/etc/x' },
      { Type: 'tmpfs', Destination: '/tmp' },
    ]);
    assert.deepEqual(found, [{ target: '/data', volume: OLD_DATA }]);
    assert.deepEqual(anonymousVolumesOf(undefined), []);
  });

  it("go to the new spec's anonymous volume at the same target, and to an image VOLUME it does not mount", () => {
    const spec = container('app', {
      mounts: [
        { type: 'volume', source: '', target: '/data', readOnly: false, noCopy: false },
        { type: 'volume', source: 'app_db', target: '/db', readOnly: false, noCopy: false },
      ],
    });
    const out = withInheritedVolumes(spec, [{ target: '/data', volume: OLD_DATA }, { target: '/cache', volume: OLD_CACHE }, { target: '/db', volume: 'c'.repeat(64) }], ['/cache', '/db']);
    assert.deepEqual(out.mounts, [
      { type: 'volume', source: OLD_DATA, target: '/data', readOnly: false, noCopy: false },
      { type: 'volume', source: 'app_db', target: '/db', readOnly: false, noCopy: false },
      { type: 'volume', source: OLD_CACHE, target: '/cache', readOnly: false, noCopy: false },
    ]);
    assert.equal(out.hash, spec.hash, 'the spec hash (what the plan compares) is untouched');
  });

  it('leave a spec alone when nothing was retired, or the target moved', () => {
    const spec = container('app', { mounts: [{ type: 'volume', source: '', target: '/new', readOnly: false, noCopy: false }] });
    assert.equal(withInheritedVolumes(spec, [], ['/new']), spec);
    assert.deepEqual(withInheritedVolumes(spec, [{ target: '/data', volume: OLD_DATA }], []).mounts, spec.mounts);
  });
});
