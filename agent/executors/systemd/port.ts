// The port to systemd: install unit files moor owns and drive unit state through systemctl.

import type { UnitSpec } from '../../desired/model.js';
import type { ObservedUnit } from '../../observe/model.js';

export interface SystemdPort {
  /** Current state of these units (file hash of what moor would install, enabled, masked, active). */
  units(names: string[]): Promise<ObservedUnit[]>;
  /** Writes the unit file and drop-ins atomically into the unit directory. */
  install(unit: UnitSpec): Promise<void>;
  /** Removes a unit file (and its drop-ins) that moor installed. */
  removeFile(name: string): Promise<void>;
  daemonReload(): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  mask(name: string): Promise<void>;
  unmask(name: string): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  reload(name: string): Promise<void>;
  /** Last lines of the unit's journal, for evidence when it fails. */
  journal(name: string, lines: number): Promise<string>;
}
