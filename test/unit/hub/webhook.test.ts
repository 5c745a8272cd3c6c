// The push webhook accepts only signed pushes and reads the branch and head that moved.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { readPush } from '../../../hub/webhook.js';

const secret = 's3cret';
const head = 'e'.repeat(40);
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/hosts/edge-01', after: head }));
const hmac = (b: Buffer, key = secret) => createHmac('sha256', key).update(b).digest('hex');

describe('push webhook', () => {
  it('accepts a GitHub push signed with X-Hub-Signature-256', () => {
    assert.deepEqual(readPush({ 'x-hub-signature-256': `sha256=${hmac(body)}`, 'x-github-event': 'push' }, body, secret), { ok: true, branch: 'hosts/edge-01', head });
  });

  it('accepts a Gitea push signed with X-Gitea-Signature', () => {
    assert.equal(readPush({ 'x-gitea-signature': hmac(body), 'x-gitea-event': 'push' }, body, secret).ok, true);
  });

  it('accepts a GitLab push carrying the secret in X-Gitlab-Token', () => {
    assert.equal(readPush({ 'x-gitlab-token': secret, 'x-gitlab-event': 'Push Hook' }, body, secret).ok, true);
  });

  it('refuses a signature made with another secret, a missing one, and a wrong GitLab token', () => {
    assert.deepEqual(readPush({ 'x-hub-signature-256': `sha256=${hmac(body, 'other')}` }, body, secret), { ok: false, status: 401, message: 'bad or missing signature' });
    assert.equal(readPush({}, body, secret).ok, false);
    assert.equal(readPush({ 'x-gitlab-token': 'nope' }, body, secret).ok, false);
  });

  it('refuses a body changed after signing', () => {
    const tampered = Buffer.from(body.toString().replace('edge-01', 'edge-02'));
    assert.equal(readPush({ 'x-hub-signature-256': `sha256=${hmac(body)}` }, tampered, secret).ok, false);
  });

  it('ignores tag pushes and other events, and reports a deleted branch without a head', () => {
    const tag = Buffer.from(JSON.stringify({ ref: 'refs/tags/v1', after: head }));
    assert.equal(readPush({ 'x-hub-signature-256': `sha256=${hmac(tag)}` }, tag, secret).ok, false);
    assert.deepEqual(readPush({ 'x-hub-signature-256': `sha256=${hmac(body)}`, 'x-github-event': 'issues' }, body, secret), { ok: false, status: 202, message: 'ignored issues event' });
    const deleted = Buffer.from(JSON.stringify({ ref: 'refs/heads/hosts/edge-01', after: '0'.repeat(40) }));
    assert.deepEqual(readPush({ 'x-hub-signature-256': `sha256=${hmac(deleted)}` }, deleted, secret), { ok: true, branch: 'hosts/edge-01', head: null });
  });
});
