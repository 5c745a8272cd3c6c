// The key-value state is typed once, at the store: each key has one shape, checked when read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../../agent/store/db.js';
import { Store } from '../../../agent/store/store.js';

function store(): Store {
  return new Store({ db: openDatabase({ file: ':memory:' }), now: () => new Date('2026-12-01T00:00:00Z') });
}

describe('the typed state map', () => {
  it('gives back what was set, with its type', () => {
    const s = store();
    s.set('pending', { commit: 'c'.repeat(40), until: null, changes: [] });
    assert.deepEqual(s.get('pending'), { commit: 'c'.repeat(40), until: null, changes: [] });
    assert.equal(s.get('applied'), null);
    s.close();
  });

  it('refuses a stored value of the wrong shape instead of handing it on', () => {
    const s = store();
    s.database.prepare(`INSERT INTO kv (key, value) VALUES ('pending', ?)`).run(JSON.stringify({ commit: 'c', since: 'yesterday' }));
    assert.throws(() => s.get('pending'), (err: unknown) => err instanceof Error && 'code' in err && err.code === 'STATE_INVALID');
    s.close();
  });
});
