// The fleet definition as read from a checkout, before any interpretation: parsed YAML files
// (kept for their line numbers), each stack's files, and the problems met while reading.

import type { ConfigProblem } from '../agent/contracts/errors.js';
import type { YamlFile } from '../agent/config-text/yaml-file.js';

export interface StackSource {
  name: string;
  /** The stack's compose files in merge order (base, then its overrides). */
  compose: YamlFile[];
  /** The stack's `moor.yaml` fragment, if any. */
  manifest: YamlFile | null;
  /** `.env` defaults of the stack. */
  env: Record<string, string>;
  /** Every other file, by path relative to the stack folder (units/, files/, env_files, ...). */
  files: ReadonlyMap<string, Buffer>;
}

export interface HostSource {
  name: string;
  yaml: YamlFile;
}

export interface FleetSource {
  fleet: YamlFile | null;
  /** Sorted by name. */
  hosts: HostSource[];
  stacks: ReadonlyMap<string, StackSource>;
  problems: ConfigProblem[];
}

export const FLEET_FILE = 'fleet.yaml';
export const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
export const OVERRIDE_NAMES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];
