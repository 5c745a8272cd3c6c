// Wires the host's secrets parts from its settings: the identity (created on first use and
// read once), the tmpfs directory, and the loader's session factory.
import { ensureIdentity, type HostIdentity } from './identity.js';
import type { RepoSecrets } from '../desired/secrets-port.js';
import { createRepoSecrets } from './repo-secrets.js';
import { createSecretDir } from './secret-dir.js';

export const DEFAULT_SECRETS_DIR = '/run/moor/secrets';

export interface HostSecrets {
  identity: () => Promise<HostIdentity>;
  repo: RepoSecrets;
}

export function createHostSecrets(options: { stateDir: string; secretsDir?: string; materialise: boolean }): HostSecrets {
  let loaded: Promise<HostIdentity> | null = null;
  const identity = (): Promise<HostIdentity> => {
    loaded ??= ensureIdentity(options.stateDir).then((r) => r.identity);
    loaded.catch(() => {
      loaded = null; // a failure (state dir not writable yet) is tried again next time
    });
    return loaded;
  };
  const secretDir = createSecretDir({ dir: options.secretsDir ?? DEFAULT_SECRETS_DIR });
  return { identity, repo: createRepoSecrets({ identity, secretDir }, { materialise: options.materialise }) };
}

/**
 * For `validate` and `plan --dir` where the host's identity is not at hand (the repo's CI): `.age`
 * files are checked for presence and format, compose secrets for their syntax; nothing is decrypted.
 */
export function offlineSecrets(options: { secretsDir?: string } = {}): RepoSecrets {
  return createRepoSecrets({ identity: null, secretDir: createSecretDir({ dir: options.secretsDir ?? DEFAULT_SECRETS_DIR }) }, { materialise: false });
}
