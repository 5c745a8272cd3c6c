// Unit: the small protocol and parsing helpers of the source: HEAD symref fix-up, signed
// commit payloads, error mapping, the ssh command line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { addHeadSymref } from '../../../agent/source/head-symref.js';
import { authHeaders } from '../../../agent/source/http-source.js';
import { mapGitCliError, mapHttpError } from '../../../agent/source/source-errors.js';
import { sshCommand } from '../../../agent/source/ssh-source.js';
import { splitSignedCommit } from '../../../agent/source/verify.js';
import { sourceSettings } from '../../fixtures/source-helpers.js';

const pkt = (s: string): string => (s.length + 4).toString(16).padStart(4, '0') + s;
const OID = 'a'.repeat(40);

describe('addHeadSymref', () => {
  it('adds symref=HEAD to the first ref line when the server names none', () => {
    const advert = pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} refs/heads/hosts/a\0multi_ack shallow\n`) + pkt(`${OID} refs/heads/hosts/b\n`) + '0000';
    const fixed = addHeadSymref(Buffer.from(advert), 'refs/heads/hosts/a').toString();
    const expected =
      pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} refs/heads/hosts/a\0multi_ack shallow symref=HEAD:refs/heads/hosts/a\n`) + pkt(`${OID} refs/heads/hosts/b\n`) + '0000';
    assert.equal(fixed, expected);
  });

  it('leaves an advertisement that already names HEAD alone', () => {
    const advert = pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} HEAD\0shallow symref=HEAD:refs/heads/main\n`) + '0000';
    assert.equal(addHeadSymref(Buffer.from(advert), 'refs/heads/x').toString(), advert);
  });
});

describe('splitSignedCommit', () => {
  it('drops the gpgsig header and its continuation lines from the payload', () => {
    const raw = [
      `tree ${OID}`,
      'author A <a@x> 1 +0000',
      'committer A <a@x> 1 +0000',
      'gpgsig -----BEGIN SSH SIGNATURE-----',
      ' U1NIU0lH',
      ' ',
      ' -----END SSH SIGNATURE-----',
      'mergetag-like other 1',
      '',
      'message',
      ' indented line in the message stays',
      '',
    ].join('\n');
    const { signature, payload } = splitSignedCommit(raw);
    assert.equal(signature, '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n\n-----END SSH SIGNATURE-----');
    assert.equal(payload, `tree ${OID}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\nmergetag-like other 1\n\nmessage\n indented line in the message stays\n`);
  });

  it('says an unsigned commit has no signature', () => {
    const raw = `tree ${OID}\n\nmsg\n`;
    assert.deepEqual(splitSignedCommit(raw), { signature: null, payload: raw });
  });
});

describe('source error mapping', () => {
  it('maps HTTP 401 and 403 to AUTH_FAILED and refused connections to UNREACHABLE', () => {
    const http401 = Object.assign(new Error('HTTP Error: 401'), { code: 'HttpError', data: { statusCode: 401 } });
    assert.equal(mapHttpError(http401, 'x').code, 'AUTH_FAILED');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const mapped = mapHttpError(refused, 'x');
    assert.ok(mapped instanceof SourceError);
    assert.deepEqual([mapped.code, mapped.handling, mapped.cause], ['UNREACHABLE', 'retry', refused]);
  });

  it('maps ssh failures by what ssh said', () => {
    assert.equal(mapGitCliError(new Error('x'), 'Host key verification failed.\nfatal: Could not read', 'p').code, 'AUTH_FAILED');
    assert.equal(mapGitCliError(new Error('x'), 'root@127.0.0.1: Permission denied (publickey).', 'p').code, 'AUTH_FAILED');
    assert.equal(mapGitCliError(new Error('x'), 'ssh: connect to host 127.0.0.1 port 1: Connection refused', 'p').code, 'UNREACHABLE');
    assert.equal(mapGitCliError(new Error('x'), "fatal: couldn't find remote ref refs/heads/x", 'p').code, 'BRANCH_NOT_FOUND');
    assert.equal(mapGitCliError(new Error('x'), 'fatal: something else', 'p').code, 'SOURCE_FAILED');
  });
});

describe('credentials and ssh options', () => {
  it('sends basic credentials as a header, and nothing without a password', () => {
    const auth = { username: 'fleet', password: 'p:w', sshKeyFile: null, knownHostsFile: null };
    assert.deepEqual(authHeaders(sourceSettings('http', 'https://h/r.git', { auth })), {
      Authorization: `Basic ${Buffer.from('fleet:p:w').toString('base64')}`,
    });
    assert.deepEqual(authHeaders(sourceSettings('http', 'https://h/r.git')), {});
  });

  it('pins the key and known_hosts in the ssh command, quoted for the shell', () => {
    const auth = { username: null, password: null, sshKeyFile: "/etc/moor/it's key", knownHostsFile: '/etc/moor/known_hosts' };
    const cmd = sshCommand(sourceSettings('ssh', 'ssh://git@h/r.git', { auth }), 30_000);
    assert.match(cmd, /^ssh -o BatchMode=yes -o StrictHostKeyChecking=yes /);
    assert.ok(cmd.includes(`-i '/etc/moor/it'\\''s key' -o IdentitiesOnly=yes`));
    assert.ok(cmd.includes(`-o UserKnownHostsFile='/etc/moor/known_hosts'`));
    assert.ok(cmd.includes('-o ConnectTimeout=30'));
  });
});
