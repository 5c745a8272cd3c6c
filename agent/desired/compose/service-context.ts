// What the parts of a service's normalisation share: the project's context and the two
// callbacks that record a problem at a key path. Types only, so the parts need not import service.ts.

import type { KeyPath, Locator, ProblemList } from '../../config-text/problems.js';
import type { PolicySettings } from '../policy-settings.js';
import type { TopFileInput } from './schema.js';
import type { Parsed } from './syntax.js';

export interface ServiceContext {
  project: string;
  locator: Locator;
  problems: ProblemList;
  /** `.env` values, for environment entries written without a value. */
  envVars: Readonly<Record<string, string>>;
  /** Parsed env_files by normalised path relative to the config dir; null when unreadable. */
  envFiles: ReadonlyMap<string, Record<string, string> | null>;
  policy: PolicySettings;
  /** The project's directory on the host, against which relative paths resolve. */
  projectDir: string;
  /** Engine names of declared volumes and networks, by compose key. */
  volumeNames: ReadonlyMap<string, string>;
  networkNames: ReadonlyMap<string, string>;
  /** Top-level secrets and configs by name. */
  secrets: ReadonlyMap<string, TopFileInput>;
  configs: ReadonlyMap<string, TopFileInput>;
  warnings: ProblemList;
}

export type Report = (path: KeyPath, message: string) => void;
export type Take = <T>(parsed: Parsed<T>, path: KeyPath) => T | null;
