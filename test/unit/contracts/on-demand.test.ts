import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { onDemand } from '../../../agent/contracts/on-demand.js';
import { fullCollection } from '../../../agent/memory-reducer.js';

describe('a schema built on demand', () => {
  it('is built at its first use, not when its module loads', () => {
    let builds = 0;
    onDemand(() => ({ built: ++builds }));
    assert.equal(builds, 0);
  });
  it('is built once while it is in use', () => {
    let builds = 0;
    const schema = onDemand(() => ({ built: ++builds }));
    const held = schema();
    assert.equal(schema(), held);
    assert.equal(builds, 1);
  });
  it('gives its memory back once nothing uses it, and is built again at the next use', async () => {
    let builds = 0;
    const schema = onDemand(() => ({ built: ++builds }));
    schema();
    // A WeakRef keeps its target until the end of the job that made it.
    await nextTurn();
    fullCollection();
    assert.equal(schema().built, 2);
  });
});
