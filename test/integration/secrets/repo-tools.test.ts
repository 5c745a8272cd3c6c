// `moor secrets encrypt|rekey|check` and `moor validate` on a fleet checkout, through the CLI,
// with keys made by the real age-keygen and files read back with the real `age -d`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../moor.cjs', import.meta.url));

function moor(args: string[], cwd: string): { code: number; out: string; err: string } {
  // No agent.yaml: the tools of the people who write the repo, not of a host.
  const { MOOR_CONFIG: _none, ...env } = process.env;
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

async function key(dir: string, name: string): Promise<{ file: string; recipient: string }> {
  const file = join(dir, `${name}.key`);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  return { file, recipient: execFileSync('age-keygen', ['-y', file]).toString().trim() };
}

const canDecrypt = (keyFile: string, file: string): boolean => spawnSync('age', ['-d', '-i', keyFile, file]).status === 0;

describe('secrets tools on a fleet checkout', () => {
  it('encrypts to the hosts a selector names, finds a host that cannot decrypt, and rekeys for it', async () => {
    const keys = await mkdtemp(join(tmpdir(), 'moor-keys-'));
    const repo = await mkdtemp(join(tmpdir(), 'moor-fleet-'));
    const [db1, web1, db2, admin] = await Promise.all(['db1', 'web1', 'db2', 'admin'].map((n) => key(keys, n)));
    await mkdir(join(repo, 'hosts'));
    await mkdir(join(repo, 'stacks/shop/secrets'), { recursive: true });
    const host = (name: string, role: string, recipient: string) => writeFile(join(repo, 'hosts', `${name}.yaml`), `labels: { role: ${role}, site: berlin }\nageRecipient: ${recipient}\n`);
    await host('db1', 'db', db1!.recipient);
    await host('web1', 'web', web1!.recipient);
    await writeFile(join(repo, '.moor-recipients.yaml'), `admins: [${admin!.recipient}]\n`);
    await writeFile(join(repo, 'stacks/shop/secrets/db'), 'hunter2');
    await writeFile(join(repo, 'stacks/shop/compose.yaml'), 'services:\n  db:\n    image: local/busybox:1\n    network_mode: none\n');
    await writeFile(join(repo, 'fleet.yaml'), 'groups:\n  - { name: everyone, select: {}, stacks: [shop] }\n');

    const enc = moor(['secrets', 'encrypt', '--to', 'role=db,site in (berlin)', 'stacks/shop/secrets/db'], repo);
    assert.equal(enc.code, 0, enc.err);
    assert.match(enc.out, /stacks\/shop\/secrets\/db\.age: encrypted to db1 \(2 recipients\)/);
    const secret = join(repo, 'stacks/shop/secrets/db.age');
    assert.match(await readFile(secret, 'utf8'), /^-----BEGIN AGE ENCRYPTED FILE-----/);
    assert.ok(canDecrypt(db1!.file, secret));
    assert.ok(canDecrypt(admin!.file, secret));
    assert.ok(!canDecrypt(web1!.file, secret));
    assert.equal(moor(['secrets', 'check'], repo).code, 0);

    // A second database host joins the fleet: it is named, with the file, until rekey.
    await host('db2', 'db', db2!.recipient);
    const check = moor(['validate', '.'], repo);
    assert.equal(check.code, 1);
    assert.match(check.out, new RegExp(`stacks/shop/secrets/db\\.age:1: host db2 \\(to: role=db,site in \\(berlin\\)\\) cannot decrypt it: recipient ${db2!.recipient} is missing`));
    assert.ok(!check.out.includes('db1'), check.out);
    const fleetCheck = moor(['fleet', 'check', '--repo', '.'], repo);
    assert.equal(fleetCheck.code, 1, fleetCheck.out + fleetCheck.err);
    assert.match(fleetCheck.out, /stacks\/shop\/secrets\/db\.age:1: host db2 .* cannot decrypt it/);

    const refused = moor(['secrets', 'rekey', '--identity', web1!.file], repo);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /db\.age: none of the given identities can decrypt it/);

    const rekey = moor(['secrets', 'rekey', '--identity', admin!.file], repo);
    assert.equal(rekey.code, 0, rekey.err);
    assert.match(rekey.out, /1 re-encrypted, 0 unchanged/);
    assert.ok(canDecrypt(db2!.file, secret));
    const fleetAfter = moor(['fleet', 'check', '--repo', '.'], repo);
    assert.equal(fleetAfter.code, 0, fleetAfter.out + fleetAfter.err);
    assert.equal(execFileSync('age', ['-d', '-i', db1!.file, secret]).toString(), 'hunter2');
    assert.equal(moor(['secrets', 'check'], repo).code, 0);
    assert.match(moor(['secrets', 'rekey', '--identity', admin!.file], repo).out, /0 re-encrypted, 1 unchanged/);
  });

  it('reports an .age file nobody recorded, and a selector that names a host without a recipient', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'moor-fleet-'));
    await mkdir(join(repo, 'hosts'));
    await writeFile(join(repo, 'hosts/edge.yaml'), 'labels: { role: camera }\n');
    await writeFile(join(repo, 'stray.age'), 'x');
    await writeFile(join(repo, 'clear'), 'x');
    const check = moor(['secrets', 'check'], repo);
    assert.equal(check.code, 1);
    assert.match(check.out, /stray\.age:1: not recorded in \.moor-recipients\.yaml/);
    const enc = moor(['secrets', 'encrypt', '--to', 'edge', 'clear'], repo);
    assert.equal(enc.code, 1);
    assert.match(enc.err, /no ageRecipient in hosts\/edge\.yaml/);
    assert.match(moor(['secrets', 'encrypt', '--to', 'role=db', 'clear'], repo).err, /no host in hosts\/ matches "role=db"/);
  });
});
