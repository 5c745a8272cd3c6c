// The runtime keys of a compose service beyond the basics: expose, sysctls, ulimits, dns,
// group_add, pid/ipc, security_opt, shm_size, deploy (resources, replicas, restart_policy),
// links, volumes_from and per-network settings, each validated at its key and normalised.
import { BYTE_SIZE_HINT, parseByteSize } from '../../config-text/byte-size.js';
import { SWARM_DEPLOY_KEYS, type ServiceInput } from './schema.js';
import type { Report, ServiceContext, Take } from './service-context.js';
import * as syntax from './syntax.js';
import type { ContainerSpec, DependsOn, DeviceRequestSpec, EndpointSpec, RestartPolicy, UlimitSpec } from '../model.js';
import { namespaceRefusal, securityOptRefusal } from '../policy.js';

/** The spec's runtime fields this module sets, as ContainerSpec declares them (model.ts). */
type SpecRuntimeFields = Pick<
  ContainerSpec,
  | 'expose' | 'sysctls' | 'ulimits' | 'dns' | 'dnsSearch' | 'dnsOptions' | 'groupAdd' | 'pid' | 'ipc' | 'securityOpt'
  | 'shmSizeBytes' | 'memReservationBytes' | 'pidsLimit' | 'deviceRequests' | 'stdinOpen' | 'tty' | 'endpoints'
>;

export interface RuntimeFields extends SpecRuntimeFields {
  /** `service:alias` until compose.ts resolves the service to its container name. */
  links: string[];
  /** `service:NAME[:ro]` or `container:NAME[:ro]` until compose.ts resolves services. */
  volumesFrom: string[];
  /** Dependencies that links and volumes_from imply. */
  impliedDeps: DependsOn[];
}

/** What deploy: sets that other keys also set (limits, restart). */
export interface DeployFields extends Pick<ContainerSpec, 'nanoCpus' | 'memLimitBytes'> {
  restart: RestartPolicy | null;
}

const ULIMITS = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
const IPC_MODES = /^(host|private|shareable|none|(container|service):[A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const PID_MODES = /^(host|(container|service):[A-Za-z0-9][A-Za-z0-9_.-]*)$/;
// The sysctls the engine lets a container set: those namespaced per container.
const SYSCTL = /^(net\.[a-z0-9_.\-/]+|fs\.mqueue\.[a-z0-9_.]+|kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced))$/;

export function runtimeFields(input: ServiceInput, ctx: ServiceContext, report: Report, take: Take): RuntimeFields {
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
  const bytes = (key: 'shm_size' | 'mem_reservation'): number | null => {
    const raw = input[key];
    if (raw === undefined) return null;
    const n = parseByteSize(raw);
    if (n === null) report([key], BYTE_SIZE_HINT);
    return n === 0 ? null : n;
  };
  const mode = (key: 'pid' | 'ipc', pattern: RegExp, hint: string): string | null => {
    const value = input[key];
    if (value === undefined) return null;
    if (!pattern.test(value)) report([key], `"${value}" is not ${hint}`);
    const refusal = namespaceRefusal(key, value, ctx.policy);
    if (refusal) report([key], refusal);
    return value;
  };
  (input.security_opt ?? []).forEach((opt, i) => {
    const refusal = securityOptRefusal(opt, ctx.policy);
    if (refusal) report(['security_opt', i], refusal);
  });
  const { links, volumesFrom, impliedDeps } = references(input, report);
  const reservations = input.deploy?.resources?.reservations;
  return {
    expose: exposeOf(input, take),
    sysctls: sysctlsOf(input, report),
    ulimits: ulimitsOf(input, report),
    dns: list(input.dns),
    dnsSearch: list(input.dns_search),
    dnsOptions: input.dns_opt ?? [],
    groupAdd: syntax.sortedSet((input.group_add ?? []).map(String)),
    pid: mode('pid', PID_MODES, 'host, container:NAME or service:NAME'),
    ipc: mode('ipc', IPC_MODES, 'host, private, shareable, none, container:NAME or service:NAME'),
    securityOpt: syntax.sortedSet(input.security_opt ?? []),
    shmSizeBytes: bytes('shm_size'),
    memReservationBytes: reservationBytes(reservations?.memory, report) ?? bytes('mem_reservation'),
    pidsLimit: input.deploy?.resources?.limits?.pids ?? input.pids_limit ?? null,
    deviceRequests: (reservations?.devices ?? []).map((d) => ({
      driver: d.driver ?? '',
      count: d.count === 'all' ? -1 : (d.count ?? (d.device_ids === undefined ? -1 : 0)),
      deviceIds: d.device_ids ?? [],
      capabilities: syntax.sortedSet(d.capabilities),
      options: syntax.sortedRecord(d.options ?? {}),
    })),
    stdinOpen: input.stdin_open ?? false,
    tty: input.tty ?? false,
    links,
    volumesFrom,
    impliedDeps,
    endpoints: endpointsOf(input, ctx),
  };
}

function reservationBytes(raw: string | number | undefined, report: Report): number | null {
  if (raw === undefined) return null;
  const n = parseByteSize(raw);
  if (n === null) report(['deploy', 'resources', 'reservations', 'memory'], BYTE_SIZE_HINT);
  return n === 0 ? null : n;
}

function exposeOf(input: ServiceInput, take: Take): string[] {
  const out: string[] = [];
  (input.expose ?? []).forEach((item, i) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(String(item).trim());
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || from < 1 || to > 65535 || to < from || to - from > 1024) {
      take({ ok: false, error: `"${item}" is not a port, a range (8000-8010) or either with /tcp, /udp or /sctp` }, ['expose', i]);
      return;
    }
    for (let p = from; p <= to; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  });
  return syntax.sortedSet(out);
}

function sysctlsOf(input: ServiceInput, report: Report): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (key: string, value: string | null, at: (string | number)[]): void => {
    if (!SYSCTL.test(key)) report(['sysctls', ...at], `"${key}" is not a sysctl a container may set (net.*, fs.mqueue.*, kernel.msg*/sem/shm*)`);
    else if (key.startsWith('net.') && input.network_mode === 'host') report(['sysctls', ...at], `${key} cannot be set with network_mode: host (the host's network namespace)`);
    if (value === null) report(['sysctls', ...at], `${key} has no value`);
    else out[key] = value;
  };
  if (Array.isArray(input.sysctls)) {
    input.sysctls.forEach((item, i) => {
      const eq = item.indexOf('=');
      add(eq < 0 ? item : item.slice(0, eq).trim(), eq < 0 ? null : item.slice(eq + 1).trim(), [i]);
    });
  } else {
    for (const [k, v] of Object.entries(input.sysctls ?? {})) add(k, v, [k]);
  }
  return syntax.sortedRecord(out);
}

function ulimitsOf(input: ServiceInput, report: Report): UlimitSpec[] {
  return Object.entries(input.ulimits ?? {}).flatMap(([name, v]) => {
    const soft = typeof v === 'number' ? v : v.soft;
    const hard = typeof v === 'number' ? v : v.hard;
    if (!ULIMITS.has(name)) report(['ulimits', name], `unknown ulimit "${name}" (${[...ULIMITS].join(', ')})`);
    else if (soft > hard && hard !== -1) report(['ulimits', name], `soft limit ${soft} is above the hard limit ${hard}`);
    else return [{ name, soft, hard }];
    return [];
  }).sort((a, b) => a.name.localeCompare(b.name));
}

function references(input: ServiceInput, report: Report): Pick<RuntimeFields, 'links' | 'volumesFrom' | 'impliedDeps'> {
  const impliedDeps: DependsOn[] = [];
  const links = (input.links ?? []).flatMap((text, i) => {
    const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*)(?::([a-zA-Z0-9][a-zA-Z0-9_.-]*))?$/.exec(text);
    if (!m?.[1]) {
      report(['links', i], `"${text}" is not SERVICE or SERVICE:ALIAS`);
      return [];
    }
    impliedDeps.push({ service: m[1], condition: 'service_started' });
    return [`${m[1]}:${m[2] ?? m[1]}`];
  });
  const volumesFrom = (input.volumes_from ?? []).flatMap((text, i) => {
    const m = /^(?:(service|container):)?([a-zA-Z0-9][a-zA-Z0-9_.-]*)(?::(ro|rw))?$/.exec(text);
    if (!m?.[2]) {
      report(['volumes_from', i], `"${text}" is not SERVICE[:ro|rw] or container:NAME[:ro|rw]`);
      return [];
    }
    const kind = m[1] ?? 'service';
    if (kind === 'service') impliedDeps.push({ service: m[2], condition: 'service_started' });
    return [`${kind}:${m[2]}${m[3] ? `:${m[3]}` : ''}`];
  });
  return { links: syntax.sortedSet(links), volumesFrom: syntax.sortedSet(volumesFrom), impliedDeps };
}

function endpointsOf(input: ServiceInput, ctx: ServiceContext): Record<string, EndpointSpec> {
  const out: Record<string, EndpointSpec> = {};
  if (input.networks === undefined || Array.isArray(input.networks)) return out;
  for (const [key, v] of Object.entries(input.networks)) {
    const name = ctx.networkNames.get(key);
    if (v === null || name === undefined) continue;
    const endpoint: EndpointSpec = {
      aliases: syntax.sortedSet(v.aliases ?? []),
      ipv4Address: v.ipv4_address ?? null,
      ipv6Address: v.ipv6_address ?? null,
    };
    if (endpoint.aliases.length > 0 || endpoint.ipv4Address !== null || endpoint.ipv6Address !== null) out[name] = endpoint;
  }
  return syntax.sortedRecord(out);
}

/** deploy: replicas 1 (or global on one host), resources limits and restart_policy; swarm-only keys are refused. */
export function deployFields(input: ServiceInput, report: Report): DeployFields {
  const out: DeployFields = { nanoCpus: null, memLimitBytes: null, restart: null };
  const d = input.deploy;
  if (d === undefined || d === null) return out;
  if (d.replicas !== undefined && d.replicas !== 1) {
    report(['deploy', 'replicas'], `replicas: ${d.replicas} needs swarm; moor runs one container per service: declare one service per instance (with different names and ports)`);
  }
  for (const key of SWARM_DEPLOY_KEYS) {
    if (d[key] !== undefined) report(['deploy', key], `deploy.${key} is a swarm setting with no effect on one engine; remove it${key === 'labels' ? ' (container labels go under labels:)' : ''}`);
  }
  const limits = d.resources?.limits;
  if (limits?.cpus !== undefined) {
    const cpus = Number(limits.cpus);
    if (!Number.isFinite(cpus) || cpus < 0) report(['deploy', 'resources', 'limits', 'cpus'], 'expected a number of CPUs, like 0.5 or 2');
    else out.nanoCpus = cpus === 0 ? null : Math.round(cpus * 1e9);
  }
  if (limits?.memory !== undefined) {
    const n = parseByteSize(limits.memory);
    if (n === null) report(['deploy', 'resources', 'limits', 'memory'], BYTE_SIZE_HINT);
    out.memLimitBytes = n === 0 ? null : n;
  }
  if (d.resources?.reservations?.cpus !== undefined) {
    report(['deploy', 'resources', 'reservations', 'cpus'], 'a CPU reservation is a swarm setting; use deploy.resources.limits.cpus or cpus:');
  }
  const rp = d.restart_policy;
  if (rp !== undefined) {
    const condition = rp.condition ?? 'any';
    out.restart = condition === 'none' ? 'no' : condition === 'any' ? 'always' : rp.max_attempts ? `on-failure:${rp.max_attempts}` : 'on-failure';
    if (rp.delay !== undefined || rp.window !== undefined) report(['deploy', 'restart_policy'], 'delay and window are swarm settings the engine has no equivalent for; remove them');
  }
  return out;
}
