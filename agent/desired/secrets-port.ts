// What the desired-state loader asks of the secrets module while it reads one config dir: the
// `.env.age` values (as placeholders), compose secrets from `.age` files, and a last pass that
// decrypts, hashes with the host key and puts clear text only where the host needs it.
import type { RepoRead } from './repo-files.js';
import type { DesiredState } from './model.js';
import type { Locator, ProblemList } from '../config-text/problems.js';

export type RepoReader = (rel: string) => Promise<RepoRead>;

export interface RepoSecrets {
  /**
   * One session per load of a config dir. `onSecret` receives each clear value the moment it is
   * decrypted (`.env.age` values, `.age` file contents), so the loader redacts its problems.
   */
  open(read: RepoReader, onSecret?: (value: string) => void): SecretsSession;
}

export interface SecretsSession {
  /** Variables of `.env.age` for interpolation, each as an opaque placeholder; {} without the file. */
  dotenv(problems: ProblemList): Promise<Record<string, string>>;
  /** Takes the compose secrets whose `file:` is an `.age` file out of the merged compose value. */
  takeComposeSecrets(merged: unknown, locator: Locator, problems: ProblemList): unknown;
  /** Decrypts and places the clear text (container env, secret mounts, `.age` file sources). */
  finish(state: DesiredState, problems: ProblemList): Promise<void>;
}
