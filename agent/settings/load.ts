// Loads /etc/moor/agent.yaml into AgentSettings: defaults filled, `{host}` substituted,
// secrets read from their files, DOCKER_HOST honoured. Every problem is a SettingsError
// entry naming file, line and key.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SettingsError } from '../contracts/errors.js';
import { unitNameProblem } from '../desired/unit-name.js';
import { DEFAULT_ALLOW, DEFAULT_UNITS } from '../desired/policy.js';
import { DURATION_HINT, parseDuration } from '../config-text/duration.js';
import { ProblemList, type KeyPath, type Locator } from '../config-text/problems.js';
import { normaliseAbsolute, normaliseRelative } from '../config-text/safe-path.js';
import { parseYaml, readYaml } from '../config-text/yaml-file.js';
import type { AgentSettings, AllowSwitches, HubSettings, UnitsPolicy, RegistryCredential, SourceSettings } from './model.js';
import { DEFAULTS, settingsSchema, type SettingsInput } from './schema.js';
import { classifySourceUrl } from './source-url.js';

export interface LoadSettingsOptions {
  env: NodeJS.ProcessEnv;
  hostname: string;
}

const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export async function loadSettings(file: string, options: LoadSettingsOptions): Promise<AgentSettings> {
  const read = await readYaml(file, file);
  if (read === null) throw new SettingsError([{ file, line: 1, key: '', message: 'settings file not found' }]);
  if (!read.ok) throw new SettingsError(read.problems);
  return resolveSettings(read.yaml.value, read.yaml, { ...options, file });
}

/** Parses agent.yaml text; for tests and `moor doctor`. Relative secret files resolve against `file`'s folder. */
export async function parseSettings(text: string, file: string, options: LoadSettingsOptions): Promise<AgentSettings> {
  const parsed = parseYaml(file, text);
  if (!parsed.ok) throw new SettingsError(parsed.problems);
  return resolveSettings(parsed.yaml.value, parsed.yaml, { ...options, file });
}

async function resolveSettings(value: unknown, locator: Locator, options: LoadSettingsOptions & { file: string }): Promise<AgentSettings> {
  const problems = new ProblemList();
  const report = (at: KeyPath, message: string): void => problems.add(locator, at, message);
  const input: SettingsInput = problems.parse(settingsSchema(), value ?? {}, locator, []) ?? {};
  const baseDir = path.dirname(path.resolve(options.file));
  const fileOf = (p: string): string => path.resolve(baseDir, p);
  const secret = async (p: string | undefined, at: KeyPath): Promise<string | null> => {
    if (p === undefined) return null;
    try {
      const text = (await readFile(fileOf(p), 'utf8')).trim();
      if (text === '') report(at, `${p} is empty`);
      return text;
    } catch (err) {
      report(at, `cannot read ${p}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  const absolute = (p: string, at: KeyPath): string => {
    const normal = normaliseAbsolute(p);
    if ('error' in normal) report(at, normal.error);
    return 'error' in normal ? p : normal.path;
  };
  const duration = (raw: string | number | undefined, fallback: number, at: KeyPath): number => {
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms === null || ms === 0) report(at, DURATION_HINT);
    return ms || fallback;
  };

  const host = input.host ?? options.hostname;
  if (!HOST_ID.test(host)) report(['host'], `"${host}" is not a valid host id (letters, digits, . _ -)`);
  const sub = (s: string): string => s.replaceAll('{host}', host);

  const source = await resolveSource(input, { report, secret, duration, sub, fileOf });
  const docker = resolveDocker(input, options.env, report, fileOf);
  const registries: RegistryCredential[] = [];
  for (const [i, r] of (input.registries ?? []).entries()) {
    registries.push({ host: r.host, username: r.username, password: (await secret(r.passwordFile, ['registries', i, 'passwordFile'])) ?? '' });
  }
  let hub: HubSettings | null = null;
  if (input.hub) {
    const url = sub(input.hub.url);
    if (!/^wss?:\/\/[^/@\s]+/i.test(url)) report(['hub', 'url'], `"${url}" must be a ws:// or wss:// URL without credentials`);
    hub = {
      url,
      token: (await secret(input.hub.tokenFile, ['hub', 'tokenFile'])) ?? '',
      heartbeatMs: duration(input.hub.heartbeat, DEFAULTS.heartbeatMs, ['hub', 'heartbeat']),
      caFile: input.hub.caFile === undefined ? null : fileOf(input.hub.caFile),
      outboxLimit: input.hub.outboxLimit ?? DEFAULTS.outboxLimit,
    };
  }
  const roots = (key: 'allowedBindRoots' | 'allowedFileRoots'): string[] => {
    const list = input.policy?.[key] ?? [...DEFAULTS[key]];
    return [...new Set(list.map((p, i) => absolute(p, ['policy', key, i])))].sort();
  };
  const settings: AgentSettings = {
    file: options.file,
    host,
    source,
    docker,
    registries,
    systemd: {
      unitDir: absolute(input.systemd?.unitDir ?? DEFAULTS.unitDir, ['systemd', 'unitDir']),
      enabled: input.systemd?.enabled ?? true,
    },
    policy: {
      selfHeal: input.policy?.selfHeal ?? true,
      prune: input.policy?.prune ?? true,
      allowPrivileged: input.policy?.allowPrivileged ?? false,
      allowedBindRoots: roots('allowedBindRoots'),
      allowedFileRoots: roots('allowedFileRoots'),
      strictInterpolation: input.policy?.strictInterpolation ?? false,
      allow: resolveAllow(input, report),
      units: resolveUnits(input, report),
    },
    hub,
    stateDir: absolute(input.stateDir ?? DEFAULTS.stateDir, ['stateDir']),
    secretsDir: absolute(input.secretsDir ?? DEFAULTS.secretsDir, ['secretsDir']),
    projectsDir: projectsDirOf(input, absolute),
    concurrency: input.concurrency ?? DEFAULTS.concurrency,
    logLevel: input.logLevel ?? DEFAULTS.logLevel,
  };
  if (!problems.empty) throw new SettingsError(problems.items);
  return settings;
}

interface Helpers {
  report: (at: KeyPath, message: string) => void;
  secret: (p: string | undefined, at: KeyPath) => Promise<string | null>;
  duration: (raw: string | number | undefined, fallback: number, at: KeyPath) => number;
  sub: (s: string) => string;
  fileOf: (p: string) => string;
}

async function resolveSource(input: SettingsInput, h: Helpers): Promise<SourceSettings> {
  const s = input.source;
  if (s === undefined) h.report(['source'], 'source.url is required');
  const rawUrl = h.sub(s?.url ?? '');
  const url = s === undefined ? null : classifySourceUrl(rawUrl);
  if (url && !url.ok) h.report(['source', 'url'], url.error);
  const kind = url?.ok ? url.kind : 'local';

  const branch = h.sub(s?.branch ?? DEFAULTS.branch);
  if (!/^[A-Za-z0-9._/@{}+-]+$/.test(branch) || branch.includes('..') || branch.startsWith('-') || branch.endsWith('/')) {
    h.report(['source', 'branch'], `"${branch}" is not a valid branch name`);
  }
  let folder = '';
  const rawPath = h.sub(s?.path ?? '.').trim();
  if (rawPath !== '.' && rawPath !== '' && rawPath !== './') {
    const rel = normaliseRelative(rawPath);
    if ('error' in rel) h.report(['source', 'path'], rel.error.replace('the config dir', 'the branch'));
    else folder = rel.path;
  }
  if (s?.schedule !== undefined && s.interval !== undefined) h.report(['source', 'schedule'], 'set either interval or schedule, not both');
  // node-cron loads only for settings that have a schedule (the resident agent does not carry it otherwise).
  if (s?.schedule !== undefined && !(await import('node-cron')).validate(s.schedule)) h.report(['source', 'schedule'], `"${s.schedule}" is not a valid cron expression`);

  const auth = s?.auth ?? {};
  if (kind !== 'http' && auth.passwordFile !== undefined) h.report(['source', 'auth', 'passwordFile'], 'passwordFile is only used with http(s) sources');
  if (kind !== 'ssh' && auth.sshKeyFile !== undefined) h.report(['source', 'auth', 'sshKeyFile'], 'sshKeyFile is only used with ssh sources');
  const verifyMode = s?.verify?.mode ?? 'off';
  if (verifyMode === 'head' && s?.verify?.keysFile === undefined) h.report(['source', 'verify', 'keysFile'], 'keysFile is required with mode: head');

  return {
    url: url?.ok ? url.url : rawUrl,
    kind,
    branch,
    path: folder,
    intervalMs: h.duration(s?.interval, DEFAULTS.intervalMs, ['source', 'interval']),
    schedule: s?.schedule ?? null,
    auth: {
      username: auth.username ?? null,
      password: await h.secret(auth.passwordFile, ['source', 'auth', 'passwordFile']),
      sshKeyFile: auth.sshKeyFile === undefined ? null : h.fileOf(auth.sshKeyFile),
      knownHostsFile: auth.knownHostsFile === undefined ? null : h.fileOf(auth.knownHostsFile),
    },
    verify: { mode: verifyMode, keysFile: s?.verify?.keysFile === undefined ? null : h.fileOf(s.verify.keysFile) },
    allowRewind: s?.allowRewind ?? false,
  };
}

function resolveDocker(
  input: SettingsInput,
  env: NodeJS.ProcessEnv,
  report: (at: KeyPath, message: string) => void,
  fileOf: (p: string) => string,
): AgentSettings['docker'] {
  const d = input.docker ?? {};
  const configFile = d.configFile === undefined ? null : fileOf(d.configFile);
  if (d.socket !== undefined && d.host !== undefined) report(['docker', 'host'], 'set either docker.socket or docker.host, not both');
  if (d.socket !== undefined) {
    const normal = normaliseAbsolute(d.socket);
    if ('error' in normal) report(['docker', 'socket'], normal.error);
    return { socketPath: 'error' in normal ? d.socket : normal.path, host: null, port: null, configFile };
  }
  const written = d.host !== undefined;
  const raw = d.host ?? env.DOCKER_HOST;
  if (raw === undefined || raw === '') return { socketPath: DEFAULTS.socketPath, host: null, port: null, configFile };
  const unix = /^unix:\/\/(\/.+)$/.exec(raw);
  if (unix) return { socketPath: unix[1] ?? '', host: null, port: null, configFile };
  const tcp = /^tcp:\/\/([^:/]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?\/?$/.exec(raw);
  if (tcp) return { socketPath: null, host: tcp[1] ?? '', port: Number(tcp[2] ?? 2375), configFile };
  report(written ? ['docker', 'host'] : ['DOCKER_HOST'], `"${raw}" is not unix:///path or tcp://host:port`);
  return { socketPath: DEFAULTS.socketPath, host: null, port: null, configFile };
}

function resolveAllow(input: SettingsInput, report: (at: KeyPath, message: string) => void): AllowSwitches {
  const a = input.policy?.allow ?? {};
  const capabilities = (a.capabilities ?? []).map((raw, i) => {
    const cap = raw.trim().toUpperCase().replace(/^CAP_/, '');
    if (!/^[A-Z_]+$/.test(cap)) report(['policy', 'allow', 'capabilities', i], `"${raw}" is not a capability name like NET_ADMIN`);
    return cap;
  });
  return {
    capabilities: [...new Set(capabilities)].sort(),
    hostNetwork: a.hostNetwork ?? DEFAULT_ALLOW.hostNetwork,
    hostPid: a.hostPid ?? DEFAULT_ALLOW.hostPid,
    hostIpc: a.hostIpc ?? DEFAULT_ALLOW.hostIpc,
    foreignContainers: a.foreignContainers ?? DEFAULT_ALLOW.foreignContainers,
    external: a.external ?? DEFAULT_ALLOW.external,
    volumeDrivers: [...new Set(a.volumeDrivers ?? [])].sort(),
    volumeBindOutsideRoots: a.volumeBindOutsideRoots ?? DEFAULT_ALLOW.volumeBindOutsideRoots,
    securityOpt: a.securityOpt ?? DEFAULT_ALLOW.securityOpt,
  };
}

function resolveUnits(input: SettingsInput, report: (at: KeyPath, message: string) => void): UnitsPolicy {
  const u = input.policy?.units ?? {};
  const names = (key: 'dropInsFor' | 'maskOrStop' | 'install', list: readonly string[]): string[] => {
    list.forEach((name, i) => {
      const problem = unitNameProblem(name);
      if (problem) report(['policy', 'units', key, i], problem);
    });
    return [...new Set(list)].sort();
  };
  const install = u.install ?? DEFAULT_UNITS.install;
  return {
    install: typeof install === 'string' ? install : names('install', install),
    dropInsFor: names('dropInsFor', u.dropInsFor ?? []),
    maskOrStop: names('maskOrStop', u.maskOrStop ?? []),
  };
}

/** `projectsDir` as written, else `<stateDir>/projects`. */
function projectsDirOf(input: SettingsInput, absolute: (p: string, at: KeyPath) => string): string {
  if (input.projectsDir !== undefined) return absolute(input.projectsDir, ['projectsDir']);
  return path.join(absolute(input.stateDir ?? DEFAULTS.stateDir, ['stateDir']), 'projects');
}

/**
 * The engine to use when there is no agent.yaml (`moor plan --dir` on a config repo's CI):
 * DOCKER_HOST read by the same rules as the loader; a malformed value is a SettingsError.
 */
export function dockerFromEnvironment(env: NodeJS.ProcessEnv): AgentSettings['docker'] {
  const problems: string[] = [];
  const docker = resolveDocker({}, env, (_at, message) => void problems.push(message), (p) => p);
  if (problems.length > 0) throw new SettingsError(problems.map((message) => ({ file: 'DOCKER_HOST', line: 0, key: '', message })));
  return docker;
}
