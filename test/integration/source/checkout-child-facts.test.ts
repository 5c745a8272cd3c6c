// Integration: what git says of a new commit for the commit gate comes from the real checkout child
// (checkout-main.js) on a real repository: the signature checked against the trusted keys, and
// whether the applied commit descends from it. It comes back with the checkout, and a commit fetched
// before gets a child of its own; the agent never reads git for the gate itself.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildCommand } from '../../../agent/child-command.js';
import type { ConfigSource } from '../../../agent/source/port.js';
import { checkoutChildCommand, checkoutInChild } from '../../../agent/source/checkout-child.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { createSshSigningKey } from '../../bed/git-signing.js';
import { sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';

/** The agent's own source: it only polls; a checkout in the agent would be a bug here. */
const polling: ConfigSource = {
  head: () => Promise.reject(new Error('unexpected call: head')),
  checkout: () => Promise.reject(new Error('unexpected call: checkout must run in the child')),
  stats: () => ({ roundTrips: 0, bytesIn: 0, bytesOut: 0 }),
};

describe('the commit facts of the real checkout child', () => {
  let repo: TestRepo;
  let work: string;
  let keysFile: string;
  let children: number;
  let applied: string | null;
  const counted = async (): Promise<ChildCommand> => {
    children++;
    return checkoutChildCommand();
  };
  const checkouts = () =>
    checkoutInChild(polling, {
      settings: sourceSettings('local', repo.dir, { verify: { mode: 'head', keysFile } }),
      gitDir: join(work, 'git'),
      command: counted,
      applied: () => applied,
    });

  before(async () => {
    repo = await createTestRepo({ bare: true });
    work = tempDir('checkout-facts');
    const trusted = createSshSigningKey(work, 'release@example.com');
    keysFile = join(work, 'trusted-keys');
    fs.writeFileSync(keysFile, `${trusted.publicKeyLine}\n`);
  });
  after(async () => {
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('brings the facts back with the checkout: signed by a trusted key, not behind the applied commit', async () => {
    const signer = createSshSigningKey(work, 'ci@example.com');
    fs.appendFileSync(keysFile, `${signer.publicKeyLine}\n`);
    const old = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v1\n' }, 'v1', { sign: { format: 'ssh', keyFile: signer.keyFile } });
    const next = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v2\n' }, 'v2', { sign: { format: 'ssh', keyFile: signer.keyFile } });
    children = 0;
    applied = old;
    const source = checkouts();
    await source.checkout(next, join(work, 'out-next'));
    assert.equal(fs.readFileSync(join(work, 'out-next', 'compose.yaml'), 'utf8'), 'v2\n');
    const facts = await source.facts(next, old);
    assert.equal(children, 1, 'the facts came with the checkout');
    assert.equal(facts.behindApplied, false);
    assert.equal(facts.signature?.valid, true, facts.signature?.reason);
    assert.match(facts.signature?.signer ?? '', /ci@example\.com/);

    // The older commit against the newer one applied: a rewind, asked of a child of its own.
    const back = await source.facts(old, next);
    assert.equal(children, 2);
    assert.equal(back.behindApplied, true);
  });

  it('says an unsigned commit is unsigned', async () => {
    const unsigned = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v3\n' }, 'v3');
    applied = null;
    const source = checkouts();
    await source.checkout(unsigned, join(work, 'out-unsigned'));
    const facts = await source.facts(unsigned, null);
    assert.equal(facts.signature?.signed, false);
    assert.equal(facts.signature?.valid, false);
    assert.equal(facts.behindApplied, false);
  });

  it('makes unreadable trusted keys an error of the agent, not of the commit', async () => {
    const commit = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v4\n' }, 'v4');
    const source = checkoutInChild(polling, {
      settings: sourceSettings('local', repo.dir, { verify: { mode: 'head', keysFile: join(work, 'no-such-keys') } }),
      gitDir: join(work, 'git'),
      command: checkoutChildCommand,
      applied: () => null,
    });
    await assert.rejects(source.facts(commit, null), (err: unknown) => err instanceof Error && 'code' in err && err.code === 'KEYS_UNREADABLE' && 'handling' in err && err.handling === 'fatal');
  });
});
