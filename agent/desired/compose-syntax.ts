// Parsers for compose's string syntaxes: ports, volumes, devices, extra_hosts, command
// lines, restart policies. Each returns a value or an error message; no I/O.
import type { DeviceSpec, PortSpec, RestartPolicy } from './model.js';
import { normaliseAbsolute } from './safe-path.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

function portNumber(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

/** `80`, `8080:80`, `127.0.0.1:8080:80/udp`, `127.0.0.1::80`, `[::1]:8080:80`. */
export function parsePortShort(input: string | number): Parsed<PortSpec> {
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
  if (parts.some((p) => p.includes('-'))) return fail(`port ranges are not supported ("${text}"); list each port`);
  const container = portNumber(parts[parts.length - 1] ?? '');
  if (container === null) return fail(`"${text}": container port must be a number from 1 to 65535`);
  let hostPort: number | null = null;
  if (parts.length === 2 && parts[0] !== '') {
    hostPort = portNumber(parts[0] ?? '');
    if (hostPort === null) return fail(`"${text}": host port must be a number from 1 to 65535`);
  }
  return ok({ hostIp, hostPort, containerPort: container, protocol });
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
    if (String(input.published).includes('-')) return fail('port ranges are not supported; list each port');
    hostPort = portNumber(String(input.published));
    if (hostPort === null) return fail('published must be a port number from 1 to 65535');
  }
  return ok({ hostIp: input.host_ip ?? '', hostPort, containerPort: container, protocol: input.protocol ?? 'tcp' });
}

export type VolumeShort =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'volume'; volume: string; target: string; readOnly: boolean };

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

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
  if (parts.length === 1) return fail(`anonymous volume "${text}" is not supported; name it (name:${text})`);
  if (parts.length > 3) return fail(`"${text}" is not SOURCE:TARGET[:MODE]`);
  const [source = '', targetRaw = '', mode = 'rw'] = parts;
  const target = normaliseAbsolute(targetRaw);
  if ('error' in target) return fail(`target ${target.error}`);
  const modes = mode.split(',');
  const unknown = modes.filter((m) => m !== 'ro' && m !== 'rw');
  if (unknown.length > 0) return fail(`unsupported volume mode "${unknown.join(',')}" (ro or rw)`);
  const readOnly = modes.includes('ro');
  if (isHostPathSource(source)) return ok({ type: 'bind', source, target: target.path, readOnly });
  if (!VOLUME_NAME.test(source)) return fail(`"${source}" is not a valid volume name`);
  return ok({ type: 'volume', volume: source, target: target.path, readOnly });
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
  if (m) return ok<RestartPolicy>(`on-failure:${Number(m[1])}`);
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
      else if (ch === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) word += text[++i] ?? '';
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
