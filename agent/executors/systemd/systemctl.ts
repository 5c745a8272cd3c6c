// The systemd adapter: unit files in systemd.unitDir, state through `systemctl` and logs through
// `journalctl`, run with execFile (no shell). One `systemctl show` covers many units per poll.

import { execFile } from 'node:child_process';
import type { UnitSpec } from '../../desired/model.js';
import { SystemdError } from '../../contracts/errors.js';
import type { ObservedUnit } from '../../contracts/observed.js';
import type { SystemdPort, UnitHealth } from './port.js';
import { UnitFiles } from './unit-files.js';

export interface SystemctlOptions {
  unitDir: string;
  /** Upper bound for one systemctl call (a start waits for the unit's start job). */
  commandTimeoutMs?: number;
  systemctl?: string;
  journalctl?: string;
}

const ACTIVE_STATES: readonly ObservedUnit['active'][] = ['active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading'];
/** UnitFileState values that mean "starts at boot" or cannot be enabled anyway. */
const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'alias']);
const SHOW_PROPS = 'Id,LoadState,ActiveState,SubState,UnitFileState,Type,Result,ExecMainStatus,ExecMainExitTimestampMonotonic';

export class Systemctl implements SystemdPort {
  private readonly files: UnitFiles;

  constructor(private readonly options: SystemctlOptions) {
    this.files = new UnitFiles(options.unitDir);
  }

  async units(names: string[]): Promise<ObservedUnit[]> {
    const shown = await this.show(names);
    return Promise.all(
      names.map(async (name, i) => {
        const p = shown[i] ?? {};
        const masked = p.LoadState === 'masked' || p.UnitFileState === 'masked' || p.UnitFileState === 'masked-runtime';
        const active = ACTIVE_STATES.find((s) => s === p.ActiveState) ?? 'unknown';
        // A oneshot that never ran also reads inactive/success: it must have exited at least once.
        const ran = Number(p.ExecMainExitTimestampMonotonic ?? '0') > 0;
        const completed = p.Type === 'oneshot' && active === 'inactive' && ran && p.Result === 'success' && (p.ExecMainStatus ?? '0') === '0';
        const [fileHash, dropInHash] = await Promise.all([this.files.hash(name), this.files.dropInHash(name)]);
        const known = (p.LoadState ?? 'not-found') !== 'not-found';
        return { name, fileHash, dropInHash, enabled: ENABLED_STATES.has(p.UnitFileState ?? ''), masked, active, completed, known };
      }),
    );
  }

  async health(names: string[]): Promise<UnitHealth[]> {
    const shown = await this.show(names);
    return names.map((name, i) => {
      const p = shown[i] ?? {};
      const status = Number.parseInt(p.ExecMainStatus ?? '', 10);
      return {
        name,
        loadState: p.LoadState ?? '',
        activeState: p.ActiveState ?? '',
        subState: p.SubState ?? '',
        type: p.Type ?? '',
        result: p.Result ?? '',
        execMainStatus: Number.isNaN(status) ? null : status,
      };
    });
  }

  async install(unit: UnitSpec): Promise<void> {
    try {
      await this.files.install(unit);
    } catch (err) {
      throw wrapFs(err, `cannot install ${unit.name} into ${this.options.unitDir}`, unit.name);
    }
  }

  async removeFile(name: string): Promise<void> {
    try {
      await this.files.remove(name);
    } catch (err) {
      throw wrapFs(err, `cannot remove ${name} from ${this.options.unitDir}`, name);
    }
  }

  async removeDropIns(name: string, files: string[]): Promise<void> {
    try {
      await this.files.removeDropIns(name, files);
    } catch (err) {
      throw wrapFs(err, `cannot remove drop-ins of ${name} from ${this.options.unitDir}`, name);
    }
  }

  daemonReload(): Promise<void> {
    return this.ctl(['daemon-reload'], null);
  }
  enable(name: string): Promise<void> {
    return this.ctl(['enable', name], name);
  }
  disable(name: string): Promise<void> {
    return this.ctl(['disable', name], name);
  }
  mask(name: string): Promise<void> {
    return this.ctl(['mask', name], name);
  }
  unmask(name: string): Promise<void> {
    return this.ctl(['unmask', name], name);
  }
  start(name: string): Promise<void> {
    return this.ctl(['start', name], name, true);
  }
  stop(name: string): Promise<void> {
    return this.ctl(['stop', name], name);
  }
  restart(name: string): Promise<void> {
    return this.ctl(['restart', name], name, true);
  }
  /** Runs ExecReload when the unit has one, else restarts it. */
  reload(name: string): Promise<void> {
    return this.ctl(['reload-or-restart', name], name, true);
  }

  async journal(name: string, lines: number): Promise<string> {
    this.files.pathOf(name); // validates the name
    const out = await run(this.options.journalctl ?? 'journalctl', ['-u', name, '-n', String(lines), '--no-pager', '-o', 'short-iso'], this.timeout());
    return out.stdout.trimEnd();
  }

  /** `systemctl show` for several units: blocks of KEY=VALUE separated by blank lines, in order. */
  private async show(names: string[]): Promise<Record<string, string>[]> {
    if (names.length === 0) return [];
    for (const name of names) this.files.pathOf(name);
    const out = await run(this.options.systemctl ?? 'systemctl', ['show', '--no-pager', '-p', SHOW_PROPS, '--', ...names], this.timeout());
    if (out.code !== 0) throw new SystemdError('SYSTEMCTL_FAILED', `systemctl show failed: ${out.stderr.trim()}`, { handling: 'retry' });
    const blocks: Record<string, string>[] = [];
    let current: Record<string, string> = {};
    for (const line of `${out.stdout}\n\n`.split('\n')) {
      if (line === '') {
        if (Object.keys(current).length > 0) blocks.push(current);
        current = {};
        continue;
      }
      const eq = line.indexOf('=');
      if (eq > 0) current[line.slice(0, eq)] = line.slice(eq + 1);
    }
    // Blocks carry their Id; match them to the names asked for (aliases keep the asked order).
    return names.map((name, i) => blocks.find((b) => b.Id === name) ?? blocks[i] ?? {});
  }

  private async ctl(args: string[], name: string | null, withJournal = false): Promise<void> {
    if (name !== null) this.files.pathOf(name);
    const out = await run(this.options.systemctl ?? 'systemctl', ['--no-ask-password', ...args.slice(0, 1), '--', ...args.slice(1)], this.timeout());
    if (out.code === 0) return;
    const journal = withJournal && name ? await this.journal(name, 20).catch(() => '') : '';
    throw new SystemdError('SYSTEMCTL_FAILED', `systemctl ${args.join(' ')} failed: ${out.stderr.trim() || `exit ${out.code}`}`, {
      // A unit that does not start is the commit's fault; systemd not answering is not.
      handling: name !== null ? 'commit' : 'retry',
      data: { unit: name, command: args[0], exitCode: out.code, logs: journal ? journal.split('\n').slice(-20) : [] },
    });
  }

  private timeout(): number {
    return this.options.commandTimeoutMs ?? 120_000;
  }
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new SystemdError('SYSTEMCTL_UNAVAILABLE', `cannot run ${file}: ${err.message}`, { handling: 'retry', cause: err }));
        return;
      }
      resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

function wrapFs(err: unknown, what: string, unit: string): SystemdError {
  if (err instanceof SystemdError) return err;
  return new SystemdError('UNIT_FILE_FAILED', `${what}: ${err instanceof Error ? err.message : String(err)}`, {
    handling: 'retry',
    data: { unit },
    cause: err,
  });
}
