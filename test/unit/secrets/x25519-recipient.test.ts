// The recipient moor derives with node:crypto (so that the agent starts without the age library)
// is the one the age library derives, for any X25519 identity; the identities moor creates the same
// way are ones the age library reads and decrypts with.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { bech32Decode, bech32Encode, generateX25519Identity as moorIdentity, x25519Recipient } from '../../../agent/secrets/x25519-recipient.js';
import { IdentityError } from '../../../agent/secrets/errors.js';

test('the recipient of an identity is the age library\'s, for 50 fresh identities', async () => {
  for (let i = 0; i < 50; i++) {
    const identity = await generateX25519Identity();
    assert.equal(x25519Recipient(identity), await identityToRecipient(identity));
  }
});

test('an identity moor creates is one the age library derives the same recipient of, and decrypts with', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const identity = moorIdentity();
    assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    assert.equal(x25519Recipient(identity), await identityToRecipient(identity));
    seen.add(identity);
  }
  assert.equal(seen.size, 20);
  const identity = moorIdentity();
  const e = new Encrypter();
  e.addRecipient(x25519Recipient(identity));
  const d = new Decrypter();
  d.addIdentity(identity);
  assert.equal(await d.decrypt(await e.encrypt('hello from moor'), 'text'), 'hello from moor');
});

test('the age-keygen example identity gives its published recipient', () => {
  // From the age README (filippo.io/age): the key pair printed by age-keygen there.
  const decoded = bech32Decode('age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p');
  assert.equal(decoded?.hrp, 'age');
  assert.equal(decoded?.bytes.length, 32);
  assert.equal(bech32Encode('age', decoded?.bytes ?? Buffer.alloc(0)), 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p');
});

test('text that is not an X25519 identity is refused, a checksum error included', async () => {
  const identity = await generateX25519Identity();
  const broken = identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q');
  for (const bad of ['', 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', broken, 'AGE-SECRET-KEY-1XYZ']) {
    assert.throws(() => x25519Recipient(bad), IdentityError, bad);
  }
});
