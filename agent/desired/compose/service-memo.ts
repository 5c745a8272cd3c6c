// Remembers the parse and normalisation of compose services by content, for a caller that loads
// many trees sharing services (`moor fleet` validates every host's tree: most services are the
// same text for a site or the whole fleet). A hit gives what a fresh run would: a deep copy of
// the spec, and the same problems and warnings replayed at the same key paths through the
// caller's locator (so line numbers are those of the caller's file).

import type { KeyPath, Locator } from '../../config-text/problems.js';
import { ProblemList } from '../../config-text/problems.js';
import type { ContainerSpec } from '../model.js';
import type { PolicySettings } from '../policy-settings.js';
import type { ServiceContext, ServiceResult } from './service.js';

/** One add() or addFinal() as it was made, without the file and line (those are the caller's). */
interface Recorded {
  final: boolean;
  path: KeyPath;
  message: string;
}

/** A ProblemList that remembers its calls so that they can be made again on another list. */
class RecordingList extends ProblemList {
  readonly calls: Recorded[] = [];
  private final = false;

  override add(locator: Locator, path: KeyPath, message: string): void {
    this.calls.push({ final: this.final, path, message });
    this.final = false;
    super.add(locator, path, message);
  }

  /** ProblemList's addFinal adds through add(): recorded there, once, as final. */
  override addFinal(locator: Locator, path: KeyPath, message: string): void {
    this.final = true;
    try {
      super.addFinal(locator, path, message);
    } finally {
      this.final = false;
    }
  }
}

const NOWHERE: Locator = { locate: () => ({ file: '', line: 0 }) };

interface Entry {
  /** The .env values the run read, by name (a value undefined: it read an unset name); null: it looked at all of them. */
  reads: Map<string, string | undefined> | null;
  envText: string;
  result: ServiceResult | null;
  problems: Recorded[];
  warnings: Recorded[];
  /** Spec hashes computed for copies of this entry's spec, by the fields buildCompose rewrites after normalising. */
  hashes: Map<string, string>;
}

/** What buildCompose changes on a spec after normalising it (service references resolved to container names). */
const rewritten = (spec: ContainerSpec): string => JSON.stringify([spec.networkMode, spec.pid, spec.ipc, spec.links, spec.volumesFrom]);

/**
 * Whether JSON.stringify writes `value` one to one: numbers it cannot write (NaN, Infinity, -0)
 * and anything but plain data (undefined in a list, functions, class instances) say no; the
 * memo is not used for those (YAML gives none of them but `.nan` and `.inf`).
 */
function plainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(plainJson);
  if (typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (member !== undefined && !plainJson(member)) return false;
  }
  return true;
}

/** A deep copy of plain data (what plainJson accepts, and undefined members): much cheaper than structuredClone. */
function plainCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = plainCopy((value as Record<string, unknown>)[key]);
  return out as T;
}

export class ServiceMemo {
  private readonly entries = new Map<string, Entry[]>();
  private readonly specs = new WeakMap<ContainerSpec, Entry>();
  private size = 0;

  /** `policy`: the one every load that uses this memo passes (others bypass it). */
  constructor(
    readonly policy: PolicySettings,
    private readonly limit = 8192,
  ) {}

  /**
   * `run` parses and normalises `raw` with the context it is given (problems and warnings go to
   * that context's lists); the answer for the same service name, content and context is reused.
   */
  normalise(service: string, raw: unknown, ctx: ServiceContext, run: (ctx: ServiceContext) => ServiceResult | null): ServiceResult | null {
    const parts = [service, raw, ctx.project, ctx.projectDir, [...ctx.envFiles], [...ctx.volumeNames], [...ctx.networkNames], [...ctx.secrets], [...ctx.configs]];
    if (ctx.policy !== this.policy || !plainJson(parts)) return run(ctx);
    const key = JSON.stringify(parts);
    const known = this.entries.get(key) ?? [];
    const env = ctx.envVars;
    let envText: string | undefined;
    const allText = (): string => (envText ??= JSON.stringify(Object.entries(env)));
    const hit = known.find((e) => (e.reads === null ? e.envText === allText() : [...e.reads].every(([k, v]) => Object.hasOwn(env, k) ? env[k] === v : v === undefined)));
    if (hit) return this.replay(hit, ctx);
    const entry = this.record(run, ctx, allText);
    // Only plain data is copied exactly by plainCopy (a spec is; this keeps it so).
    if (this.size < this.limit && (entry.result === null || plainJson(entry.result.spec))) {
      this.entries.set(key, [...known, entry]);
      this.size++;
    }
    return this.replay(entry, ctx);
  }

  /** The hash of a spec this memo handed out, when a copy with the same rewritten fields was hashed before. */
  hashOf(spec: ContainerSpec, compute: (spec: ContainerSpec) => string): string {
    const entry = this.specs.get(spec);
    if (!entry) return compute(spec);
    const key = rewritten(spec);
    let hash = entry.hashes.get(key);
    if (hash === undefined) entry.hashes.set(key, (hash = compute(spec)));
    return hash;
  }

  private record(run: (ctx: ServiceContext) => ServiceResult | null, ctx: ServiceContext, allText: () => string): Entry {
    const reads = new Map<string, string | undefined>();
    let all = false;
    const env = ctx.envVars;
    // Which .env values the run depends on: those it reads by name, or all when it lists them.
    const tracked = new Proxy(env, {
      get: (target, name, receiver) => {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof name !== 'string') all = true;
        else reads.set(name, Object.hasOwn(target, name) ? target[name] : undefined);
        return value;
      },
      has: (target, name) => ((all = true), Reflect.has(target, name)),
      ownKeys: (target) => ((all = true), Reflect.ownKeys(target)),
      getOwnPropertyDescriptor: (target, name) => ((all = true), Reflect.getOwnPropertyDescriptor(target, name)),
    });
    const problems = new RecordingList();
    const warnings = new RecordingList();
    const result = run({ ...ctx, envVars: tracked, locator: NOWHERE, problems, warnings });
    // A value read from the prototype (not an own key) cannot be compared by name: depend on all.
    const reliable = !all && [...reads.keys()].every((k) => Object.hasOwn(env, k) || !(k in env));
    return { reads: reliable ? reads : null, envText: reliable ? '' : allText(), result, problems: problems.calls, warnings: warnings.calls, hashes: new Map() };
  }

  private replay(entry: Entry, ctx: ServiceContext): ServiceResult | null {
    for (const c of entry.problems) (c.final ? ctx.problems.addFinal : ctx.problems.add).call(ctx.problems, ctx.locator, c.path, c.message);
    for (const c of entry.warnings) (c.final ? ctx.warnings.addFinal : ctx.warnings.add).call(ctx.warnings, ctx.locator, c.path, c.message);
    if (entry.result === null) return null;
    const spec = plainCopy(entry.result.spec);
    this.specs.set(spec, entry);
    return { spec, portPaths: entry.result.portPaths };
  }
}
