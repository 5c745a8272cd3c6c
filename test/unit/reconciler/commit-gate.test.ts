// Unit: the commit gate decides from what git says of a commit (its facts, read in the checkout
// child) and from the host's own history; it asks git only when it needs to.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCommitGate, type CommitGateOptions } from '../../../agent/reconciler/commit-gate.js';
import type { CommitFacts, CommitFactsReader } from '../../../agent/source/commit-facts.js';
import { openDatabase } from '../../../agent/store/db.js';
import { Store } from '../../../agent/store/store.js';

const NEW = 'b'.repeat(40);
const APPLIED = 'a'.repeat(40);
const OFF: CommitGateOptions = { verify: { mode: 'off', keysFile: null }, allowRewind: false };
const HEAD: CommitGateOptions = { verify: { mode: 'head', keysFile: '/etc/moor/trusted-keys.asc' }, allowRewind: false };

function store(): Store {
  return new Store({ db: openDatabase({ file: ':memory:' }), now: () => new Date('2026-12-03T06:00:00Z') });
}

/** Answers the facts of NEW against the expected applied commit; any other question fails the test. */
function facts(answer: Partial<CommitFacts>, expectApplied: string | null = APPLIED): CommitFactsReader {
  return async (commit, applied) => {
    assert.equal(commit, NEW, 'facts asked of another commit');
    assert.equal(applied, expectApplied, 'facts asked against another applied commit');
    return { commit, applied, signature: null, behindApplied: false, ...answer };
  };
}

const noGit: CommitFactsReader = () => {
  throw new Error('unexpected call: the gate had no need to read git');
};

describe('the commit gate', () => {
  it('admits the first commit of a host without asking git when signatures are not verified', async () => {
    assert.deepEqual(await createCommitGate({ store: store(), facts: noGit }, OFF)(NEW, null), { ok: true, signer: null });
  });

  it('refuses a commit the applied one descends from as a rewind', async () => {
    const verdict = await createCommitGate({ store: store(), facts: facts({ behindApplied: true }) }, OFF)(NEW, APPLIED);
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok && verdict.code === 'REWIND' && /older than the applied aaaaaaaaaaaa/.test(verdict.reason));
  });

  it('refuses a commit this host applied before and moved on from, without asking git', async () => {
    const s = store();
    s.recordRevision({ commit: NEW, author: 'Ada', email: 'ada@example.com', date: '2026-12-01T00:00:00Z', message: 'v1' });
    s.setVerdict(NEW, 'applied');
    const verdict = await createCommitGate({ store: s, facts: noGit }, OFF)(NEW, APPLIED);
    assert.ok(!verdict.ok && verdict.code === 'REWIND');
  });

  it('takes a rewind when source.allowRewind is set, without asking git', async () => {
    assert.deepEqual(await createCommitGate({ store: store(), facts: noGit }, { ...OFF, allowRewind: true })(NEW, APPLIED), { ok: true, signer: null });
  });

  it('admits a commit signed by a trusted key and names the signer', async () => {
    const signature = { signed: true, valid: true, signer: 'Fleet Release <release@example.com> (SHA256:x)', reason: 'good signature' };
    assert.deepEqual(await createCommitGate({ store: store(), facts: facts({ signature }) }, HEAD)(NEW, APPLIED), { ok: true, signer: signature.signer });
  });

  it('refuses an unsigned commit as UNSIGNED and a bad signature as BAD_SIGNATURE, before the rewind check', async () => {
    const unsigned = { signed: false, valid: false, signer: null, reason: 'the commit is not signed' };
    const bad = { signed: true, valid: false, signer: null, reason: 'signed by a key that is not trusted' };
    const a = await createCommitGate({ store: store(), facts: facts({ signature: unsigned, behindApplied: true }) }, HEAD)(NEW, APPLIED);
    const b = await createCommitGate({ store: store(), facts: facts({ signature: bad }, null) }, HEAD)(NEW, null);
    assert.deepEqual(a, { ok: false, code: 'UNSIGNED', reason: unsigned.reason });
    assert.deepEqual(b, { ok: false, code: 'BAD_SIGNATURE', reason: bad.reason });
  });

  it('refuses every commit when verify.mode is head without a keysFile', async () => {
    const verdict = await createCommitGate({ store: store(), facts: noGit }, { ...HEAD, verify: { mode: 'head', keysFile: null } })(NEW, null);
    assert.ok(!verdict.ok && verdict.code === 'BAD_SIGNATURE' && /no keysFile/.test(verdict.reason));
  });
});
