// `moor doctor`: checks that the host is ready (config, state dir, engine, systemd, git, hub) and
// says what to fix. Exit 0 when every check passes.

import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { connectDocker } from '../executors/docker/connect.js';
import { createDockerEngine } from '../executors/docker/dockerode-engine.js';
import { createConfigSource } from '../source/port.js';
import { toMoorError } from '../errors.js';
import type { AgentSettings } from '../settings/model.js';
import { EXIT, printJson, settingsOrReport, type CliContext, type ExitCode } from './context.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export async function doctorVerb(ctx: CliContext): Promise<ExitCode> {
  const checks: Check[] = [];
  const settings = await settingsOrReport(ctx);
  checks.push(
    settings
      ? { name: 'config', ok: true, detail: `${ctx.configFile} is valid (host ${settings.host})` }
      : { name: 'config', ok: false, detail: `${ctx.configFile} cannot be used`, fix: 'fix the problems printed above (moor doctor --config FILE)' },
  );
  if (settings) checks.push(...(await hostChecks(settings)));
  if (ctx.json) printJson(ctx, { ready: checks.every((c) => c.ok), checks });
  else {
    for (const c of checks) {
      ctx.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      if (!c.ok && c.fix) ctx.out(`     fix: ${c.fix}`);
    }
  }
  return checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
}

async function hostChecks(settings: AgentSettings): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
    accessSync(settings.stateDir, constants.W_OK);
    checks.push({ name: 'state dir', ok: true, detail: `${settings.stateDir} is writable` });
  } catch (err) {
    checks.push({ name: 'state dir', ok: false, detail: `${settings.stateDir}: ${toMoorError(err).message}`, fix: 'create it (root-owned, 0700) or set stateDir' });
  }
  const where = settings.docker.socketPath ?? `tcp://${settings.docker.host}:${settings.docker.port}`;
  try {
    const engine = createDockerEngine({ docker: connectDocker(settings.docker) }, { registries: [], dockerConfigFile: null });
    await engine.ping();
    checks.push({ name: 'docker', ok: true, detail: `engine answers on ${where}` });
  } catch (err) {
    checks.push({ name: 'docker', ok: false, detail: `no engine on ${where}: ${toMoorError(err).message}`, fix: 'start dockerd, or set docker.socket / DOCKER_HOST' });
  }
  const systemd = existsSync('/run/systemd/system');
  checks.push(
    systemd || !settings.systemd.enabled
      ? { name: 'systemd', ok: true, detail: systemd ? 'systemd is PID 1' : 'not used (systemd.enabled: false)' }
      : { name: 'systemd', ok: false, detail: 'systemd is not running here', fix: 'set systemd.enabled: false if this host has no units to manage' },
  );
  try {
    const source = createConfigSource({ fs: nodeFs }, { settings: settings.source, gitDir: join(settings.stateDir, 'git'), timeoutMs: 10_000 });
    const head = await source.head();
    checks.push({ name: 'git', ok: true, detail: `${settings.source.url} ${settings.source.branch} is at ${head.slice(0, 12)}` });
  } catch (err) {
    const e = toMoorError(err);
    checks.push({ name: 'git', ok: false, detail: `${settings.source.url} ${settings.source.branch}: ${e.message}`, fix: fixFor(e.code) });
  }
  if (settings.hub) checks.push(await hubCheck(settings.hub.url));
  return checks;
}

function fixFor(code: string): string {
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
    return { name: 'hub', ok: true, detail: `${url} answers (HTTP ${res.status})` };
  } catch (err) {
    return { name: 'hub', ok: false, detail: `${url}: ${toMoorError(err).message}`, fix: 'check hub.url and that the hub runs' };
  }
}
