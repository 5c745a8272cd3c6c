// One load of a config dir with secrets: `.env.age` values as placeholders, `.age` compose
// secrets and file sources decrypted in memory, clear text placed only in container env, the
// tmpfs and the file a `files:` entry writes; every hash of a secret is keyed with the host key.
import { parseDotenv } from '../desired/compose/dotenv.js';
import { specHash } from '../desired/hash.js';
import type { ContainerSpec, DesiredState } from '../desired/model.js';
import type { Locator, ProblemList } from '../config-text/problems.js';
import { decryptAge, looksLikeAge } from './age-file.js';
import { takeAgeSecrets, type SecretUse } from './compose-secrets.js';
import { IdentityError } from './errors.js';
import type { HostIdentity } from './identity.js';
import { placeholder, placeholderPaths, reveal } from './placeholders.js';
import type { RepoReader, RepoSecrets, SecretsSession } from '../desired/secrets-port.js';
import type { SecretDir } from './secret-dir.js';

export const ENV_AGE = '.env.age';

export interface RepoSecretsDeps {
  /** null: offline (CI without the host's key): `.age` files are checked for presence and format only. */
  identity: (() => Promise<HostIdentity>) | null;
  /** Where compose secrets go; `write` is skipped when `materialise` is false (plan, validate). */
  secretDir: SecretDir;
}

export function createRepoSecrets(deps: RepoSecretsDeps, options: { materialise: boolean }): RepoSecrets {
  return { open: (read, onSecret) => new Session(deps, options, read, onSecret ?? (() => undefined)) };
}

class Session implements SecretsSession {
  private readonly values = new Map<string, string>();
  private readonly clear = new Map<string, Buffer | null>();
  private uses: SecretUse[] = [];
  /** Every `.age` file under top-level `secrets:`, used or not: each must be one this host can read. */
  private secretFiles: string[] = [];
  private locator: Locator = { locate: () => ({ file: 'compose.yaml', line: 1 }) };
  private readonly offline: boolean;

  constructor(
    private readonly deps: RepoSecretsDeps,
    private readonly options: { materialise: boolean },
    private readonly read: RepoReader,
    private readonly onSecret: (value: string) => void,
  ) {
    this.offline = deps.identity === null;
  }

  private async identity(): Promise<HostIdentity> {
    if (!this.deps.identity) throw new IdentityError('no host identity: offline mode decrypts nothing');
    return this.deps.identity();
  }

  async dotenv(problems: ProblemList): Promise<Record<string, string>> {
    const clear = await this.decrypt(ENV_AGE, problems, { optional: true });
    if (!clear) return {};
    const parsed = parseDotenv(clear.toString('utf8'));
    for (const value of Object.values(parsed.vars)) this.onSecret(value);
    // The parser's messages may quote the line: say only where it is.
    for (const p of parsed.problems) problems.push({ file: ENV_AGE, line: p.line, key: '', message: 'not a KEY=VALUE line (in the decrypted text)' });
    const identity = await this.identity();
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed.vars)) {
      this.values.set(name, value);
      out[name] = placeholder(name, identity.hash(value));
    }
    return out;
  }

  takeComposeSecrets(merged: unknown, locator: Locator, problems: ProblemList): unknown {
    this.locator = locator;
    const taken = takeAgeSecrets(merged, locator, problems);
    this.uses = taken.uses;
    this.secretFiles = taken.files;
    return taken.value;
  }

  async finish(state: DesiredState, problems: ProblemList): Promise<void> {
    for (const file of this.secretFiles) await this.decrypt(file, problems, { optional: false });
    for (const c of state.containers) await this.finishContainer(c, problems);
    for (const [kind, list] of [['networks', state.networks], ['volumes', state.volumes]] as const) {
      for (const spec of list) {
        for (const path of placeholderPaths(spec)) problems.add(this.locator, [kind, spec.key, ...path], 'a value from .env.age may only be used in a service\'s environment');
      }
    }
    for (const f of state.files) {
      if (!f.source.endsWith('.age')) continue;
      const clear = await this.decrypt(f.source, problems, { optional: false });
      if (!clear) {
        if (this.offline) f.secret = true; // the ciphertext stays, and is not shown either
        continue;
      }
      const identity = await this.identity();
      f.contentBase64 = clear.toString('base64');
      f.secret = true;
      f.hash = specHash({ ...f, contentBase64: `hmac-sha256:${identity.hash(clear)}` });
    }
  }

  private async finishContainer(c: ContainerSpec, problems: ProblemList): Promise<void> {
    for (const path of placeholderPaths({ ...c, env: {} })) {
      problems.add(this.locator, ['services', c.service, ...path], 'a value from .env.age may only be used in environment: (elsewhere it would show in plans and labels)');
    }
    const uses = this.uses.filter((u) => u.service === c.service);
    for (const use of uses) {
      const clear = await this.decrypt(use.file, problems, { optional: false });
      if (!clear) {
        if (this.offline) c.mounts.push({ type: 'bind', source: this.deps.secretDir.pathOf(c.project, use.name, 'not-decrypted'), target: use.target, readOnly: true, repoPath: null, propagation: null, selinux: null });
        continue;
      }
      const identity = await this.identity();
      const source = this.deps.secretDir.pathOf(c.project, use.name, identity.hash(clear));
      if (c.mounts.some((m) => m.target === use.target)) {
        problems.add(this.locator, ['services', c.service, 'secrets'], `secret ${use.name} and another mount both target ${use.target}`);
        continue;
      }
      if (this.options.materialise) await this.deps.secretDir.write(source, clear, use);
      c.mounts.push({ type: 'bind', source, target: use.target, readOnly: true, repoPath: null, propagation: null, selinux: null });
    }
    if (uses.length > 0) {
      c.mounts.sort((a, b) => a.target.localeCompare(b.target));
      c.hash = specHash(c); // the mount source carries the keyed hash: a changed secret changes it
    }
    // The hash was taken with placeholders (keyed): now the clear values, in env only.
    const secretEnv = new Set(c.secretEnv);
    for (const [key, value] of Object.entries(c.env)) {
      const shown = reveal(value, this.values);
      if (shown === value) continue;
      c.env[key] = shown;
      secretEnv.add(key);
    }
    c.secretEnv = [...secretEnv].sort();
  }

  /** The clear text of an `.age` file of the config dir, or null with a problem naming file and recipient. */
  private async decrypt(rel: string, problems: ProblemList, options: { optional: boolean }): Promise<Buffer | null> {
    if (this.clear.has(rel)) return this.clear.get(rel) ?? null;
    const read = await this.read(rel);
    let clear: Buffer | null = null;
    if (!read.ok) {
      if (!(read.missing && options.optional)) problems.push({ file: rel, line: 1, key: '', message: read.missing ? `${rel} does not exist in the config dir` : read.message });
    } else if (!looksLikeAge(read.data)) {
      problems.push({ file: rel, line: 1, key: '', message: 'not an age file (encrypt it with `moor secrets encrypt` or `age -r`)' });
    } else if (!this.offline) {
      const identity = await this.identity();
      try {
        clear = await decryptAge(read.data, [identity.identity]);
        // `.env.age` lines are registered one by one (by `dotenv`); other files whole.
        if (rel !== ENV_AGE) this.onSecret(clear.toString('utf8'));
      } catch (err) {
        const why = err instanceof Error && /no identity matched/.test(err.message)
          ? `not encrypted to this host: recipient ${identity.recipient} is missing (add it to hosts/<host>.yaml and run \`moor secrets rekey\`)`
          : `cannot be decrypted: ${err instanceof Error ? err.message : String(err)}`;
        problems.push({ file: rel, line: 1, key: '', message: why });
      }
    }
    this.clear.set(rel, clear);
    return clear;
  }
}
