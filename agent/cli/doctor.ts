// `moor doctor`: checks that the host is ready (config, state dir, SQLite, engine, systemd, git,
// hub, the unit's sandbox) and says what to fix. Exit 0 when no check failed; warnings do not count.

import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { connectDocker } from '../executors/docker/connect.js';
import { createDockerEngine } from '../executors/docker/dockerode-engine.js';
import { nativeBinding } from '../sqlite/native.js';
import { createConfigSource } from '../source/create-source.js';
import { stateDirProblem } from '../state-dir.js';
import { StateLock } from '../state-lock.js';
import { openDatabase } from '../store/db.js';
import { toMoorError } from '../contracts/errors.js';
import type { AgentSettings } from '../settings/model.js';
import { EXIT, printJson, settingsOrReport, type CliContext, type ExitCode } from './context.js';

type Level = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  level: Level;
  /** Kept for scripts: false only for `fail`. */
  ok: boolean;
  detail: string;
  fix?: string;
}

const UNIT = 'moor.service';

function check(name: string, level: Level, detail: string, fix?: string): Check {
  return { name, level, ok: level !== 'fail', detail, ...(fix ? { fix } : {}) };
}

const message = (err: unknown): string => toMoorError(err).message;

export async function doctorVerb(ctx: CliContext): Promise<ExitCode> {
  const checks: Check[] = [];
  if (!existsSync(ctx.configFile)) {
    checks.push(check('config', 'fail', `${ctx.configFile} does not exist`, 'write it (the package installs an example there; docs/packaging.md), or pass --config FILE'));
  } else {
    const settings = await settingsOrReport(ctx);
    checks.push(
      settings
        ? check('config', 'ok', `${ctx.configFile} is valid (host ${settings.host}, branch ${settings.source.branch})`)
        : check('config', 'fail', `${ctx.configFile} cannot be used`, 'fix the problems printed above'),
    );
    if (settings) checks.push(...(await hostChecks(settings)));
  }
  const ready = checks.every((c) => c.ok);
  if (ctx.json) printJson(ctx, { ready, checks });
  else {
    for (const c of checks) {
      ctx.out(`${c.level === 'ok' ? 'ok  ' : c.level === 'warn' ? 'warn' : 'FAIL'} ${c.name}: ${c.detail}`);
      if (c.level !== 'ok' && c.fix) ctx.out(`     fix: ${c.fix}`);
    }
    ctx.out(ready ? 'ready' : 'not ready');
  }
  return ready ? EXIT.ok : EXIT.failed;
}

async function hostChecks(settings: AgentSettings): Promise<Check[]> {
  const checks: Check[] = [stateDirCheck(settings.stateDir), sqliteCheck()];
  checks.push(await dockerCheck(settings));
  checks.push(...(await systemdChecks(settings)));
  checks.push(await gitCheck(settings));
  if (settings.hub) checks.push(await hubCheck(settings.hub.url));
  // secrets: issue 13.
  const { secretsReadiness } = await import('../secrets/readiness.js');
  const secrets = await secretsReadiness({ stateDir: settings.stateDir, secretsDir: settings.secretsDir ?? '/run/moor/secrets' });
  checks.push(check('secrets', secrets.level, secrets.detail, secrets.fix));
  return checks;
}

function stateDirCheck(stateDir: string): Check {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    accessSync(stateDir, constants.W_OK);
    const mode = statSync(stateDir).mode & 0o777;
    const owner = StateLock.owner(stateDir);
    const running = owner === null ? '' : `; an agent (pid ${owner}) holds it`;
    const unsafe = stateDirProblem(stateDir);
    if (unsafe) return check('state dir', 'fail', unsafe, 'the agent refuses it: fix ownership and mode as said');
    if (mode & 0o077) {
      return check('state dir', 'warn', `${stateDir} is writable but mode ${mode.toString(8)}${running}`, `chmod 0700 ${stateDir}: it holds the git checkout and the control socket`);
    }
    return check('state dir', 'ok', `${stateDir} is writable${running}`);
  } catch (err) {
    return check('state dir', 'fail', `${stateDir}: ${message(err)}`, 'create it (root-owned, 0700), or set stateDir');
  }
}

/** The native SQLite addon loads (from node_modules, or extracted by the single binary). */
function sqliteCheck(): Check {
  const binding = nativeBinding();
  try {
    openDatabase({ file: ':memory:', nativeBinding: binding }).close();
    return check('sqlite', 'ok', binding ? `addon loaded from ${binding}` : 'addon loaded from node_modules');
  } catch (err) {
    const cause = toMoorError(err).cause;
    const why = cause instanceof Error ? cause.message.split('\n')[0] : message(err);
    return check('sqlite', 'fail', `the SQLite addon does not load: ${why}`, 'the binary extracts it to $CACHE_DIRECTORY, /var/cache/moor or ~/.cache/moor: one of them must be writable and not mounted noexec');
  }
}

async function dockerCheck(settings: AgentSettings): Promise<Check> {
  const socket = settings.docker.socketPath;
  const where = socket ?? `tcp://${settings.docker.host}:${settings.docker.port}`;
  if (socket && !existsSync(socket)) {
    return check('docker', 'fail', `no socket at ${socket}`, 'install and start the engine (systemctl start docker), or set docker.socket / DOCKER_HOST');
  }
  try {
    const engine = createDockerEngine({ docker: connectDocker(settings.docker) }, { registries: [], dockerConfigFile: null });
    await engine.ping();
    return check('docker', 'ok', `engine answers on ${where}`);
  } catch (err) {
    const text = message(err);
    const fix = /EACCES|permission denied/i.test(text)
      ? `run moor as root (the unit does), or give this user access to ${where}`
      : 'start dockerd, or set docker.socket / DOCKER_HOST';
    return check('docker', 'fail', `no engine on ${where}: ${text}`, fix);
  }
}

async function systemdChecks(settings: AgentSettings): Promise<Check[]> {
  if (!existsSync('/run/systemd/system')) {
    return [
      settings.systemd.enabled
        ? check('systemd', 'fail', 'systemd is not running here', 'set systemd.enabled: false if this host has no units to manage')
        : check('systemd', 'ok', 'not used (systemd.enabled: false)'),
    ];
  }
  const checks: Check[] = [];
  if (settings.systemd.enabled) {
    try {
      accessSync(settings.systemd.unitDir, constants.W_OK);
      checks.push(check('systemd', 'ok', `systemd is PID 1; ${settings.systemd.unitDir} is writable`));
    } catch (err) {
      checks.push(check('systemd', 'fail', `${settings.systemd.unitDir}: ${message(err)}`, 'run moor as root, or set systemd.unitDir'));
    }
  } else {
    checks.push(check('systemd', 'ok', 'systemd is PID 1; unit management off (systemd.enabled: false)'));
  }
  checks.push(...(await serviceChecks(settings)));
  return checks;
}

function systemctl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('systemctl', args, { timeout: 5000, encoding: 'utf8' }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, stdout: stdout.trim() });
    });
  });
}

/**
 * The agent's own unit: is it enabled and running, and may it write where the policy lets it
 * (ProtectSystem=strict makes everything else read-only inside the unit, even for root).
 */
async function serviceChecks(settings: AgentSettings): Promise<Check[]> {
  const show = await systemctl(['show', UNIT, '-p', 'LoadState,ActiveState,UnitFileState,ReadWritePaths']);
  if (show.code !== 0) return [];
  const props = new Map(show.stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  if (props.get('LoadState') !== 'loaded') {
    return [check('service', 'warn', `${UNIT} is not installed`, 'install the moor package (or packaging/install.sh) to run the agent under systemd')];
  }
  const checks: Check[] = [];
  const active = props.get('ActiveState') ?? 'unknown';
  const enabled = props.get('UnitFileState') ?? 'unknown';
  checks.push(
    active === 'active' && enabled === 'enabled'
      ? check('service', 'ok', `${UNIT} is enabled and active`)
      : check('service', 'warn', `${UNIT} is ${enabled} and ${active}`, `systemctl enable --now ${UNIT} (journalctl -u ${UNIT} says why it stopped)`),
  );
  const writable = (props.get('ReadWritePaths') ?? '').split(/\s+/).map((p) => p.replace(/^-/, '')).filter(Boolean);
  const inside = (path: string): boolean => writable.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`));
  const needed = [...settings.policy.allowedFileRoots, ...(settings.systemd.enabled ? [settings.systemd.unitDir] : [])];
  const missing = needed.filter((p) => !inside(p));
  const absent = needed.filter((p) => !existsSync(p));
  if (absent.length > 0) {
    // A ReadWritePaths entry that does not exist is skipped, and the rest of /etc is read-only.
    checks.push(check('sandbox', 'fail', `${absent.join(', ')} missing: ${UNIT} cannot create it (ProtectSystem=strict)`, `mkdir -p ${absent.join(' ')}`));
  } else if (missing.length > 0) {
    checks.push(
      check(
        'sandbox',
        'fail',
        `${UNIT} cannot write ${missing.join(', ')} (ProtectSystem=strict; ReadWritePaths: ${writable.join(' ') || 'none'})`,
        `systemctl edit ${UNIT}: [Service] ReadWritePaths=${missing.join(' ')}`,
      ),
    );
  } else {
    checks.push(check('sandbox', 'ok', `${UNIT} may write ${needed.join(', ') || 'nothing it manages'}`));
  }
  return checks;
}

async function gitCheck(settings: AgentSettings): Promise<Check> {
  try {
    const source = createConfigSource({ fs: nodeFs }, { settings: settings.source, gitDir: join(settings.stateDir, 'git'), timeoutMs: 10_000 });
    const head = await source.head();
    return check('git', 'ok', `${settings.source.url} ${settings.source.branch} is at ${head.slice(0, 12)}`);
  } catch (err) {
    const e = toMoorError(err);
    return check('git', 'fail', `${settings.source.url} ${settings.source.branch}: ${e.message}`, gitFix(e.code));
  }
}

function gitFix(code: string): string {
  switch (code) {
    case 'AUTH_FAILED':
      return 'check source.auth (passwordFile, or sshKeyFile and knownHostsFile)';
    case 'BRANCH_NOT_FOUND':
      return 'push the host branch, or set source.branch';
    default:
      return 'check source.url and that the server is reachable from this host';
  }
}

async function hubCheck(url: string): Promise<Check> {
  const http = url.replace(/^ws/, 'http');
  try {
    const res = await fetch(new URL('/healthz', http), { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.ok
      ? check('hub', 'ok', `${url} answers`)
      : check('hub', 'fail', `${url} answers HTTP ${res.status} on /healthz`, 'check that hub.url points at a moor hub (ws[s]://HOST:PORT/agent)');
  } catch (err) {
    return check('hub', 'fail', `${url}: ${message(err)}`, 'check hub.url, the network, and that the hub runs (systemctl status moor-hub)');
  }
}
