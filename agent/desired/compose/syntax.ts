// Parsers for compose's string syntaxes: ports, volumes, devices, extra_hosts, command
// lines, restart policies. Each returns a value or an error message; no I/O.
import type { DeviceSpec, PortSpec, RestartPolicy } from '../model.js';
import { normaliseAbsolute } from '../../config-text/safe-path.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

function portNumber(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

function portRange(text: string): { from: number; to: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return null;
  const from = portNumber(m[1] ?? '');
  const to = m[2] === undefined ? from : portNumber(m[2]);
  return from === null || to === null || to < from ? null : { from, to };
}

/**
 * `80`, `8080:80`, `127.0.0.1:8080:80/udp`, `127.0.0.1::80`, `[::1]:8080:80`, and ranges
 * (`5683-5688:5683-5688/udp`, `8000-8010`) expanded port by port, as the engine does.
 */
export function parsePortShort(input: string | number): Parsed<PortSpec[]> {
  const text = String(input).trim();
  const slash = text.lastIndexOf('/');
  const protocol = slash >= 0 ? text.slice(slash + 1) : 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return fail(`unknown protocol "${protocol}"`);
  let rest = slash >= 0 ? text.slice(0, slash) : text;
  let hostIp = '';
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIp = v6[1] ?? '';
    rest = v6[2] ?? '';
  }
  const parts = rest.split(':');
  if (!v6 && parts.length === 3) hostIp = parts.shift() ?? '';
  if (parts.length > 2 || (v6 && parts.length !== 2)) return fail(`"${text}" is not a port mapping`);
  const container = portRange(parts[parts.length - 1] ?? '');
  if (container === null) return fail(`"${text}": container port must be a number from 1 to 65535, or a range like 8000-8010`);
  const count = container.to - container.from + 1;
  let host: { from: number; to: number } | null = null;
  if (parts.length === 2 && parts[0] !== '') {
    host = portRange(parts[0] ?? '');
    if (host === null) return fail(`"${text}": host port must be a number from 1 to 65535, or a range like 8000-8010`);
    if (host.to - host.from + 1 !== count) {
      return fail(`"${text}": the host and container ranges differ in size; give ranges of the same size, or one host port per container port`);
    }
  }
  const out: PortSpec[] = [];
  for (let i = 0; i < count; i++) out.push({ hostIp, hostPort: host === null ? null : host.from + i, containerPort: container.from + i, protocol });
  return ok(out);
}

export function parsePortLong(input: {
  target: number | string;
  published?: number | string | undefined;
  host_ip?: string | undefined;
  protocol?: 'tcp' | 'udp' | 'sctp' | undefined;
}): Parsed<PortSpec> {
  const container = portNumber(String(input.target));
  if (container === null) return fail('target must be a port number from 1 to 65535');
  let hostPort: number | null = null;
  if (input.published !== undefined && input.published !== '') {
    if (String(input.published).includes('-')) return fail('a published range for one target lets the engine pick a port; give one published port (or use the short syntax 8000-8010:8000-8010)');
    hostPort = portNumber(String(input.published));
    if (hostPort === null) return fail('published must be a port number from 1 to 65535');
  }
  return ok({ hostIp: input.host_ip ?? '', hostPort, containerPort: container, protocol: input.protocol ?? 'tcp' });
}

export interface MountOptions {
  readOnly: boolean;
  selinux: 'z' | 'Z' | null;
  propagation: string | null;
  noCopy: boolean;
}

export type VolumeShort =
  | ({ type: 'bind'; source: string; target: string } & MountOptions)
  | ({ type: 'volume'; volume: string; target: string } & MountOptions);

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** Whether a short-syntax source is a host path (compose: starts with `.`, `/` or `~`) rather than a volume name. */
export function isHostPathSource(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

/**
 * `name:/data`, `/srv/x:/data:ro`, `./data:/data`. A bind source is returned as written
 * (relative ones are resolved against the project directory by the caller).
 */
export function parseVolumeShort(text: string): Parsed<VolumeShort> {
  const parts = text.split(':');
  if (parts.length === 1) {
    if (text.startsWith('/')) {
      const target = normaliseAbsolute(text);
      if ('error' in target) return fail(`target ${target.error}`);
      return ok({ type: 'volume', volume: '', target: target.path, readOnly: false, selinux: null, propagation: null, noCopy: false });
    }
    return fail(`"${text}" has no target: write SOURCE:/path/in/container (or /path alone for an anonymous volume)`);
  }
  if (parts.length > 3) return fail(`"${text}" is not SOURCE:TARGET[:MODE]`);
  const [source = '', targetRaw = '', mode = 'rw'] = parts;
  const target = normaliseAbsolute(targetRaw);
  if ('error' in target) return fail(`target ${target.error}`);
  const options = parseMountModes(mode);
  if (!options.ok) return options;
  if (isHostPathSource(source)) {
    if (options.value.noCopy) return fail('nocopy applies to volumes, not to bind mounts');
    return ok({ type: 'bind', source, target: target.path, ...options.value });
  }
  if (!VOLUME_NAME.test(source)) return fail(`"${source}" is not a valid volume name`);
  if (options.value.propagation !== null) return fail(`propagation (${options.value.propagation}) applies to bind mounts, not to volumes`);
  return ok({ type: 'volume', volume: source, target: target.path, ...options.value });
}

/** The MODE of SOURCE:TARGET:MODE: ro/rw, z/Z, a propagation, nocopy (and consistency, ignored). */
function parseMountModes(mode: string): Parsed<MountOptions> {
  const out: MountOptions = { readOnly: false, selinux: null, propagation: null, noCopy: false };
  for (const m of mode.split(',')) {
    if (m === 'ro' || m === 'rw') out.readOnly = m === 'ro';
    else if (m === 'z' || m === 'Z') out.selinux = m;
    else if (PROPAGATION.has(m)) out.propagation = m;
    else if (m === 'nocopy') out.noCopy = true;
    else if (m !== 'consistent' && m !== 'cached' && m !== 'delegated') {
      return fail(`unsupported volume mode "${m}" (ro, rw, z, Z, nocopy, shared, rshared, slave, rslave, private, rprivate)`);
    }
  }
  return ok(out);
}

/** `/dev/ttyUSB0`, `/dev/ttyUSB0:/dev/serial`, `/dev/ttyUSB0:/dev/serial:rw`. */
export function parseDevice(text: string): Parsed<DeviceSpec> {
  const [hostRaw = '', containerRaw, permissions = 'rwm', ...extra] = text.split(':');
  if (extra.length > 0) return fail(`"${text}" is not HOST[:CONTAINER[:PERMISSIONS]]`);
  const host = normaliseAbsolute(hostRaw);
  if ('error' in host) return fail(`device ${host.error}`);
  const container = normaliseAbsolute(containerRaw ?? hostRaw);
  if ('error' in container) return fail(`device ${container.error}`);
  if (!/^[rwm]{1,3}$/.test(permissions)) return fail(`device permissions "${permissions}" must be made of r, w, m`);
  return ok({ hostPath: host.path, containerPath: container.path, permissions });
}

/** `host:1.2.3.4`, `host=1.2.3.4`, `host=::1` -> Docker's `host:ip`. */
export function parseExtraHost(text: string): Parsed<string> {
  const eq = text.indexOf('=');
  const sep = eq >= 0 ? eq : text.indexOf(':');
  if (sep <= 0) return fail(`"${text}" is not HOST:IP`);
  const host = text.slice(0, sep).trim();
  const ip = text.slice(sep + 1).trim().replace(/^\[(.*)\]$/, '$1');
  if (ip === '' || !/^[A-Za-z0-9.-]+$/.test(host)) return fail(`"${text}" is not HOST:IP`);
  return ok(`${host}:${ip}`);
}

export function parseRestart(text: string): Parsed<RestartPolicy> {
  if (text === 'no' || text === 'always' || text === 'unless-stopped' || text === 'on-failure') return ok(text);
  const m = /^on-failure:(\d+)$/.exec(text);
  // on-failure:0 is on-failure without a limit: the engine reports it so, and a no-op sync must see no change.
  if (m) return ok<RestartPolicy>(Number(m[1]) === 0 ? 'on-failure' : `on-failure:${Number(m[1])}`);
  return fail(`"${text}" is not one of no, always, unless-stopped, on-failure[:N]`);
}

/** Splits a command line the way compose does (shell words, no expansion). */
export function splitCommand(text: string): Parsed<string[]> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      // As docker-compose splits (Python's shlex): inside double quotes only \" and \\ are escapes.
      else if (ch === '\\' && '"\\'.includes(text[i + 1] ?? '')) word += text[++i] ?? '';
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return fail(`unterminated ${quote} quote in "${text}"`);
  if (inWord) words.push(word);
  return ok(words);
}

/** Sorted unique strings. */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** A new object with keys in sorted order. */
export function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as V;
  return out;
}

// Linux capabilities the engine knows (without CAP_); an unknown one only fails at container
// create, half-way through an apply, so it is refused here.
const CAPABILITIES = new Set(
  ('CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE ' +
    'NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN ' +
    'SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE ' +
    'MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE ALL').split(' '),
);

/** A capability name, normalised (upper case, no `CAP_` prefix). */
export function parseCapability(text: string): Parsed<string> {
  const cap = text.trim().toUpperCase().replace(/^CAP_/, '');
  return CAPABILITIES.has(cap) ? ok(cap) : fail(`unknown capability "${text}"`);
}

/** `SIGTERM`, `TERM`, `15`, `SIGRTMIN+3`: what the engine accepts as a stop signal. */
export function parseStopSignal(text: string): Parsed<string> {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) >= 1 && Number(t) <= 64 ? ok(t) : fail(`signal number ${t} is out of range`);
  const name = t.toUpperCase().replace(/^SIG/, '');
  const known = /^RTMIN(\+([1-9]|1[0-5]))?$|^RTMAX(-([1-9]|1[0-4]))?$/.test(name) || `SIG${name}` in SIGNALS;
  return known ? ok(t) : fail(`unknown signal "${text}"`);
}
const SIGNALS: Readonly<Record<string, number>> = {
  SIGABRT: 6, SIGALRM: 14, SIGBUS: 7, SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGFPE: 8, SIGHUP: 1, SIGILL: 4, SIGINT: 2,
  SIGIO: 29, SIGIOT: 6, SIGKILL: 9, SIGPIPE: 13, SIGPOLL: 29, SIGPROF: 27, SIGPWR: 30, SIGQUIT: 3, SIGSEGV: 11,
  SIGSTKFLT: 16, SIGSTOP: 19, SIGSYS: 31, SIGTERM: 15, SIGTRAP: 5, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23,
  SIGUSR1: 10, SIGUSR2: 12, SIGVTALRM: 26, SIGWINCH: 28, SIGXCPU: 24, SIGXFSZ: 25,
};
