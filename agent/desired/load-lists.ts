// The options of a load of a config dir, and what one load carries along from file to file (the
// problems, the warnings, the secret values met so far); the locator of a whole-file problem.

import type { Locator, ProblemList } from '../config-text/problems.js';
import type { ConfigProblem } from '../contracts/errors.js';
import type { PolicySettings } from '../settings/model.js';
import type { SecretCollector } from './secret-collector.js';
import type { RepoSecrets } from './secrets-port.js';
import type { ServiceMemo } from './compose/service-memo.js';

export interface LoadOptions {
  policy: PolicySettings;
  /** Where each compose project's directory lives (`<projectsDir>/<project>`): relative bind sources resolve against it. */
  projectsDir: string;
  /** Receives what is allowed but worth saying (an unset variable used as a blank, as compose warns). */
  onWarning?: (warning: ConfigProblem) => void;
  /** Decrypts `.age` files with the host identity; without it they are not read. */
  secrets?: RepoSecrets;
  /** Secret values known before the load (the agent's registry and source passwords, its hub token): never in a problem. */
  knownSecrets?: readonly string[];
  /** Shared by loads of many trees with the same services (moor fleet): each is normalised once per content. */
  serviceMemo?: ServiceMemo;
}

/** What one load carries along: problems, warnings, and the secret values met so far. */
export interface LoadLists {
  problems: ProblemList;
  warnings: ProblemList;
  secrets: SecretCollector;
}

export const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });
