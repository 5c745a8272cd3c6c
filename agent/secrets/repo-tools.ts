// The secrets tools for the people who write a fleet repo: encrypt a file to the hosts a selector
// names, re-encrypt after hosts changed (rekey), and check offline who cannot decrypt what.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ConfigProblem } from '../contracts/errors.js';
import { decryptAge, encryptAge, isArmored } from './age-file.js';
import { RecipientsError } from './errors.js';
import { readFleetHosts, selectHosts, type FleetHost } from './fleet-hosts.js';
import { MANIFEST_FILE, readManifest, writeManifest, type ManifestEntry } from './recipients-manifest.js';

export interface EncryptResult {
  out: string;
  hosts: string[];
  recipients: string[];
}

/** Recipients of the hosts `to` selects, plus the admins; refuses none, or a host without one. */
function recipientsFor(hosts: readonly FleetHost[], to: string, admins: readonly string[]): { hosts: string[]; recipients: string[] } {
  const chosen = selectHosts(hosts, to);
  if (chosen.length === 0) throw new RecipientsError(`no host in hosts/ matches "${to}"`);
  const without = chosen.filter((h) => h.recipient === null).map((h) => h.name);
  if (without.length > 0) throw new RecipientsError(`no ageRecipient in hosts/${without[0]}.yaml${without.length > 1 ? ` (and ${without.length - 1} more)` : ''}: run \`moor secrets recipient\` on that host`);
  const recipients = [...new Set([...chosen.map((h) => h.recipient ?? ''), ...admins])].sort();
  return { hosts: chosen.map((h) => h.name), recipients };
}

function repoPath(repo: string, file: string): string {
  const rel = relative(resolve(repo), resolve(file));
  if (rel.startsWith('..') || isAbsolute(rel)) throw new RecipientsError(`${file} is outside the fleet checkout ${repo}`);
  return rel.split(sep).join('/');
}

export async function encryptForHosts(options: { repo: string; to: string; file: string; out?: string; armor: boolean }): Promise<EncryptResult> {
  const [hosts, manifest] = await Promise.all([readFleetHosts(options.repo), readManifest(options.repo)]);
  const chosen = recipientsFor(hosts, options.to, manifest.admins);
  const out = options.out ?? `${options.file}.age`;
  const key = repoPath(options.repo, out);
  const clear = await readFile(options.file);
  await writeFile(out, await encryptAge(clear, chosen.recipients, { armor: options.armor }));
  manifest.files[key] = { to: options.to, recipients: chosen.recipients };
  await writeManifest(options.repo, manifest);
  return { out: key, ...chosen };
}

export interface RekeyResult {
  rekeyed: string[];
  unchanged: string[];
}

/** Re-encrypts every recorded file whose hosts' recipients changed; needs an identity that can decrypt it. */
export async function rekeyRepo(options: { repo: string; identities: readonly string[] }): Promise<RekeyResult> {
  const [hosts, manifest] = await Promise.all([readFleetHosts(options.repo), readManifest(options.repo)]);
  const result: RekeyResult = { rekeyed: [], unchanged: [] };
  for (const [file, entry] of Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b))) {
    const wanted = recipientsFor(hosts, entry.to, manifest.admins).recipients;
    if (sameSet(wanted, entry.recipients)) {
      result.unchanged.push(file);
      continue;
    }
    const data = await readFile(join(options.repo, file));
    let clear: Buffer;
    try {
      clear = await decryptAge(data, options.identities);
    } catch (err) {
      throw new RecipientsError(`${file}: none of the given identities can decrypt it (rekey needs a key it is encrypted to, e.g. an admin's)`, { cause: err });
    }
    await writeFile(join(options.repo, file), await encryptAge(clear, wanted, { armor: isArmored(data) }));
    manifest.files[file] = { to: entry.to, recipients: wanted };
    result.rekeyed.push(file);
  }
  await writeManifest(options.repo, manifest);
  return result;
}

/** Every host that could not decrypt a file it is meant for, and every `.age` file nobody recorded. */
export async function checkRecipients(repo: string): Promise<ConfigProblem[]> {
  const [hosts, manifest] = await Promise.all([readFleetHosts(repo), readManifest(repo)]);
  const problems: ConfigProblem[] = [];
  const add = (file: string, message: string): void => void problems.push({ file, line: 1, key: '', message });
  for (const [file, entry] of Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!(await exists(join(repo, file)))) add(MANIFEST_FILE, `${file} is recorded but does not exist`);
    for (const problem of entryProblems(hosts, entry)) add(file, problem);
  }
  for (const file of await ageFiles(repo)) {
    if (!(file in manifest.files)) add(file, `not recorded in ${MANIFEST_FILE}, so no one can tell which hosts can decrypt it: encrypt it with \`moor secrets encrypt --to SELECTOR\``);
  }
  return problems;
}

function entryProblems(hosts: readonly FleetHost[], entry: ManifestEntry): string[] {
  let chosen: FleetHost[];
  try {
    chosen = selectHosts(hosts, entry.to);
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
  const have = new Set(entry.recipients);
  const out: string[] = [];
  for (const h of chosen) {
    if (h.recipient === null) out.push(`host ${h.name} (to: ${entry.to}) has no ageRecipient in hosts/${h.name}.yaml`);
    else if (!have.has(h.recipient)) out.push(`host ${h.name} (to: ${entry.to}) cannot decrypt it: recipient ${h.recipient} is missing; run \`moor secrets rekey\``);
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

async function ageFiles(repo: string, rel = ''): Promise<string[]> {
  const entries = await readdir(join(repo, rel), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.name === '.git' || e.name === 'node_modules') continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await ageFiles(repo, path)));
    else if (e.isFile() && e.name.endsWith('.age')) out.push(path);
  }
  return out.sort();
}
