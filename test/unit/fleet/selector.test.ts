import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSelector, matches, parseSelector, selectorFromMap, SelectorSyntaxError } from '../../../fleet/selector.js';

const camBerlin = { role: 'camera', site: 'berlin' };
const camRome = { role: 'camera', site: 'rome' };
const gateway = { role: 'gateway', site: 'paris', gpu: 'true' };

describe('label selectors, read as Kubernetes reads them', () => {
  const table: [string, Record<string, string>, boolean][] = [
    ['', camBerlin, true],
    ['role=camera', camBerlin, true],
    ['role==camera', camBerlin, true],
    ['role=camera', gateway, false],
    ['role!=camera', gateway, true],
    ['role!=camera', camBerlin, false],
    ['site!=berlin', {}, true],
    ['role=camera,site in (berlin,paris)', camBerlin, true],
    ['role=camera,site in (berlin,paris)', camRome, false],
    ['site in (berlin, paris)', gateway, true],
    ['site notin (berlin,paris)', camRome, true],
    ['site notin (berlin,paris)', camBerlin, false],
    ['site notin (berlin)', {}, true],
    ['gpu', gateway, true],
    ['gpu', camBerlin, false],
    ['!gpu', camBerlin, true],
    ['!gpu', gateway, false],
    ['role in (camera), !gpu, site', camRome, true],
    ['role=', { role: '' }, true],
    ['example.com/tier=edge', { 'example.com/tier': 'edge' }, true],
  ];
  for (const [selector, labels, expected] of table) {
    it(`"${selector}" ${expected ? 'selects' : 'does not select'} ${JSON.stringify(labels)}`, () => {
      assert.equal(matches(parseSelector(selector), labels), expected);
    });
  }

  it('reads the map form of fleet.yaml as equalities, and {} as everyone', () => {
    assert.equal(matches(selectorFromMap({ role: 'camera' }), camRome), true);
    assert.equal(matches(selectorFromMap({ role: 'camera', site: 'paris' }), camRome), false);
    assert.equal(matches(selectorFromMap({}), {}), true);
  });

  it('prints a selector back in its string form', () => {
    assert.equal(formatSelector(parseSelector('role=camera, site in (berlin,paris), !gpu, x, y notin (a,b)')), 'role=camera,site in (berlin,paris),!gpu,x,y notin (a,b)');
  });

  for (const bad of ['site in ()', 'site in (a', 'role=a b', '=camera', 'a,,b', 'bad key=1']) {
    it(`refuses "${bad}" with a SELECTOR_SYNTAX error`, () => {
      assert.throws(() => parseSelector(bad), SelectorSyntaxError);
    });
  }
});
