// The port to systemd: install unit files moor owns and drive unit state through systemctl.

import type { UnitSpec } from '../../desired/model.js';
import type { ObservedUnit } from '../../contracts/observed.js';

/** What the health gate needs of a unit, from `systemctl show`. */
export interface UnitHealth {
  name: string;
  /** LoadState: loaded, not-found, masked, bad-setting, error ... */
  loadState: string;
  activeState: string;
  subState: string;
  /** Service type (simple, exec, forking, oneshot, notify ...); '' for other unit kinds. */
  type: string;
  /** success, exit-code, signal, timeout ... */
  result: string;
  execMainStatus: number | null;
}

export interface SystemdPort {
  /** Current state of these units (file hash of what moor would install, enabled, masked, active). */
  units(names: string[]): Promise<ObservedUnit[]>;
  /** Writes the unit file and drop-ins atomically into the unit directory. */
  install(unit: UnitSpec): Promise<void>;
  /** Removes a unit file (and its drop-ins) that moor installed. */
  removeFile(name: string): Promise<void>;
  /** Removes only the named drop-ins of a unit (one the host has; its own file stays). */
  removeDropIns(name: string, files: string[]): Promise<void>;
  daemonReload(): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  mask(name: string): Promise<void>;
  unmask(name: string): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  reload(name: string): Promise<void>;
  /** State for the health gate, for several units in one call. */
  health(names: string[]): Promise<UnitHealth[]>;
  /** Last lines of the unit's journal, for evidence when it fails. */
  journal(name: string, lines: number): Promise<string>;
}
