// Builds the two packages the packaging test installs (an old and a newer version) with
// packaging/build.sh, once per source: cached under .test-bed/packaging/<hash of the inputs>/.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** What goes into the binary and the package. */
const INPUTS = ['agent', 'hub', 'packaging', 'systemd', 'config', 'docs/packaging.md', 'package-lock.json'];

export interface BuiltPackage {
  version: string;
  /** Folder holding the .deb and the loose binary. */
  dir: string;
  deb: string;
}

function files(entry: string): string[] {
  const full = path.join(REPO, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [entry];
  return fs.readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(entry, f))
    .filter((f) => fs.statSync(path.join(REPO, f)).isFile());
}

export function sourceHash(): string {
  const hash = createHash('sha256').update(process.version);
  for (const file of INPUTS.flatMap(files).sort()) {
    hash.update(file).update('\0').update(fs.readFileSync(path.join(REPO, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function build(version: string, dir: string, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MOOR_VERSION: version, MOOR_DIST_DIR: dir, MOOR_TARBALL: '0', MOOR_DEB_COMPRESSION: 'none' };
    execFile('bash', [path.join(REPO, 'packaging/build.sh')], { cwd: REPO, env, timeout: 300_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      fs.appendFileSync(logFile, `--- build ${version}\n${stdout}${stderr}`);
      if (err) reject(new Error(`packaging/build.sh (${version}) failed; see ${logFile}`));
      else resolve();
    });
  });
}

/** Both packages, built now or taken from the cache. Versions sort: old < new. */
export async function packagesForTest(logFile: string): Promise<{ old: BuiltPackage; new: BuiltPackage }> {
  const base = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  const cache = path.join(REPO, '.test-bed', 'packaging');
  const key = sourceHash();
  const root = path.join(cache, key);
  // Older builds are 200 MB each and never used again.
  for (const old of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
    if (old !== key) fs.rmSync(path.join(cache, old), { recursive: true, force: true });
  }
  const make = async (suffix: string): Promise<BuiltPackage> => {
    const version = `${base.version}~test${suffix}`;
    const dir = path.join(root, suffix);
    const deb = path.join(dir, `moor_${version}_amd64.deb`);
    if (!fs.existsSync(deb)) {
      fs.rmSync(dir, { recursive: true, force: true });
      await build(version, dir, logFile);
    }
    return { version, dir, deb };
  };
  // One at a time: the machine has two cores and each build copies a 90 MB binary around.
  const older = await make('1');
  const newer = await make('2');
  return { old: older, new: newer };
}
