// `moor fleet plan` and `moor fleet publish` against real remotes: git http-backend with a token
// and openssh's sshd with a deploy key. Only changed hosts get a commit; a host branch changed by
// hand is left alone until --force-host; SSH-signed commits pass the agent's own verifier.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTrustedKeys, verifyCommitSignature } from '../../../agent/source/verify.js';
import { moor, tempDir } from '../../bed/agent-process.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { createSshSigningKey } from '../../bed/git-signing.js';
import { startSshd, type Sshd } from '../../bed/sshd.js';
import { createFleetCheckout, sampleFleet, type FleetCheckout } from './fleet-repo.js';

const HOSTS = {
  'cam-1': 'labels: { role: camera, site: berlin }\nvalues: { SITE: berlin }\n',
  'cam-2': 'labels: { role: camera, site: paris }\nvalues: { SITE: paris }\n',
  'gw-1': 'labels: { role: gateway, site: berlin }\n',
};

describe('moor fleet publish', () => {
  let dir: string;
  let repo: TestRepo;
  let server: GitServer;
  let sshd: Sshd;
  let fleet: FleetCheckout;
  let http: string[];

  const tip = async (branch: string): Promise<string> => (await repo.git(['rev-parse', `refs/heads/${branch}`])).trim();
  const message = async (commit: string): Promise<string> => repo.git(['log', '-1', '--format=%B', commit]);
  const run = (verb: string, ...args: string[]) => moor(['fleet', verb, '--repo', fleet.dir, ...args]);

  before(async () => {
    dir = tempDir('moor-fleet-publish-');
    repo = await createTestRepo({ bare: true });
    server = await startGitServer({ projectRoot: repo.root, logFile: join(dir, 'git-http.log'), auth: { username: 'fleet', password: 's3cret' } });
    sshd = await startSshd();
    fs.writeFileSync(join(dir, 'token'), 's3cret\n', { mode: 0o600 });
    http = ['--remote', `${server.url}/${repo.name}`, '--username', 'fleet', '--password-file', join(dir, 'token')];
    fleet = await createFleetCheckout(join(dir, 'fleet'), repo.dir);
    fleet.write(sampleFleet(HOSTS));
    await fleet.commit('fleet: three hosts');
  });
  after(async () => {
    await server.stop();
    await sshd.stop();
    await repo.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans every host branch as new, then creates one commit per host over https with a token', async () => {
    const plan = await run('plan', ...http);
    assert.equal(plan.code, 3, plan.stderr);
    assert.match(plan.stdout, /3 hosts: new host branch/);
    assert.match(plan.stdout, /2 hosts: new service frigate/);
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 0, pub.stderr + pub.stdout);
    const fleetHead = (await repo.git(['rev-parse', 'refs/heads/main'])).trim();
    for (const host of Object.keys(HOSTS)) {
      const msg = await message(await tip(`hosts/${host}`));
      assert.match(msg, new RegExp(`Moor-Fleet-Commit: ${fleetHead}`));
    }
    const compose = await repo.git(['show', 'refs/heads/hosts/gw-1:compose.yaml']);
    assert.doesNotMatch(compose, /frigate/);
    assert.match(await repo.git(['show', 'refs/heads/hosts/cam-2:.env']), /SITE=paris/);
    assert.match(await repo.git(['show', 'refs/heads/hosts/cam-2:moor.yaml']), /site: paris/);
  });

  it('says nothing would change right after a publish (exit 0), and publishes nothing', async () => {
    const before = await Promise.all(Object.keys(HOSTS).map((h) => tip(`hosts/${h}`)));
    assert.equal((await run('plan', ...http)).code, 0);
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 0, pub.stderr);
    assert.deepEqual(await Promise.all(Object.keys(HOSTS).map((h) => tip(`hosts/${h}`))), before);
  });

  it('gives a commit only to the hosts whose tree changed, as a fast-forward', async () => {
    const gw = await tip('hosts/gw-1');
    const cam1 = await tip('hosts/cam-1');
    fleet.write({ 'fleet.yaml': fs.readFileSync(join(fleet.dir, 'fleet.yaml'), 'utf8').replace('CAMERA_MODE: detect', 'CAMERA_MODE: record') });
    await fleet.commit('cameras record');
    const plan = await run('plan', ...http);
    assert.equal(plan.code, 3);
    assert.match(plan.stdout, /2 of 3 host\(s\) would change: 2 hosts: frigate env MODE changed/);
    assert.match(plan.stdout, /frigate env MODE: detect -> record/);
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(await tip('hosts/gw-1'), gw);
    const next = await tip('hosts/cam-1');
    assert.notEqual(next, cam1);
    assert.equal((await repo.git(['rev-parse', `${next}^`])).trim(), cam1);
  });

  it('leaves a host branch changed by hand alone, until --force-host takes it over', async () => {
    const hand = await repo.commitFiles('hosts/gw-1', { 'compose.yaml': 'services: {}\n' }, 'hotfix on site');
    fleet.write({ 'stacks/monitoring/.env': 'INFLUX_URL=http://influx-2:8086\n' });
    await fleet.commit('new influx');
    const plan = await run('plan', ...http);
    assert.match(plan.stdout, /gw-1 \(hosts\/gw-1\) \[changed by hand/);
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 1);
    assert.match(pub.stdout, /hand-edited hosts\/gw-1 .*--force-host gw-1/);
    assert.equal(await tip('hosts/gw-1'), hand);
    assert.match(await message(await tip('hosts/cam-1')), /new influx/);
    const forced = await run('publish', ...http, '--force-host', 'gw-1');
    assert.equal(forced.code, 0, forced.stderr + forced.stdout);
    const taken = await tip('hosts/gw-1');
    assert.equal((await repo.git(['rev-parse', `${taken}^`])).trim(), hand);
    assert.match(await repo.git(['show', `${taken}:.env`]), /influx-2/);
  });

  it('sees a hand edit that kept the publish message (an amend, trailers and all), until --force-host', async () => {
    const published = await tip('hosts/cam-2');
    const publishedMessage = await message(published);
    assert.match(publishedMessage, /^Moor-Fleet-Tree: [0-9a-f]{40}$/m);
    const parent = (await repo.git(['rev-parse', `${published}^`])).trim();
    const amended = await repo.commitFiles('hosts/cam-2', { 'compose.yaml': 'services: {}\n' }, publishedMessage, { parent });
    assert.match(await message(amended), /Moor-Fleet-Commit: /);
    fleet.write({ 'stacks/monitoring/.env': 'INFLUX_URL=http://influx-amend:8086\n' });
    await fleet.commit('influx after amend');
    const plan = await run('plan', ...http);
    assert.match(plan.stdout, /cam-2 \(hosts\/cam-2\) \[changed by hand/);
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 1, pub.stdout);
    assert.match(pub.stdout, /hand-edited hosts\/cam-2 .*not the [0-9a-f]{12} publish wrote.*--force-host cam-2/);
    assert.equal(await tip('hosts/cam-2'), amended);
    assert.match(await repo.git(['show', `${await tip('hosts/cam-1')}:.env`]), /influx-amend/);
    const forced = await run('publish', ...http, '--force-host', 'cam-2');
    assert.equal(forced.code, 0, forced.stderr + forced.stdout);
    const taken = await tip('hosts/cam-2');
    assert.equal((await repo.git(['rev-parse', `${taken}^`])).trim(), amended);
    assert.match(await repo.git(['show', `${taken}:compose.yaml`]), /frigate/);
    const again = await run('publish', ...http);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(await tip('hosts/cam-2'), taken);
  });

  it('refuses a publish from a checkout with uncommitted changes', async () => {
    fleet.write({ 'hosts/cam-1.yaml': `${HOSTS['cam-1']}# wip\n` });
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 1);
    assert.match(pub.stderr, /uncommitted changes/);
    await fleet.commit('comment only');
  });

  it('publishes over ssh with SSH-signed commits that the agent verifier accepts', async () => {
    const key = createSshSigningKey(dir, 'fleet-release@example.com');
    fleet.write({ 'stacks/monitoring/.env': 'INFLUX_URL=http://influx-3:8086\n' });
    await fleet.commit('influx 3');
    const ssh = ['--remote', `${sshd.baseUrl}${repo.dir}`, '--ssh-key', sshd.keyFile, '--known-hosts', sshd.knownHostsFile];
    const pub = await run('publish', ...ssh, '--sign-key', key.keyFile);
    assert.equal(pub.code, 0, pub.stderr + pub.stdout);
    const trusted = await parseTrustedKeys(`${key.publicKeyLine}\n`);
    for (const host of Object.keys(HOSTS)) {
      const verdict = await verifyCommitSignature({ fs }, repo.dir, await tip(`hosts/${host}`), trusted);
      assert.equal(verdict.valid, true, `${host}: ${verdict.reason}`);
    }
    const wrong = ['--remote', `${sshd.baseUrl}${repo.dir}`, '--ssh-key', sshd.keyFile, '--known-hosts', sshd.wrongKnownHostsFile];
    const refused = await run('plan', ...wrong);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /git ls-remote failed: .*Host key verification failed/);
  });

  it('reports an invalid fleet as FILE:LINE: key and publishes nothing', async () => {
    fleet.write({ 'hosts/cam-2.yaml': 'labels: { role: camera }\ncolour: blue\n' });
    await fleet.commit('typo');
    const before = await tip('hosts/cam-2');
    const pub = await run('publish', ...http);
    assert.equal(pub.code, 1);
    assert.match(pub.stderr, /^hosts\/cam-2\.yaml:2: colour: unsupported key$/m);
    assert.equal(await tip('hosts/cam-2'), before);
  });
});
