// Collecting config problems with their place: key paths, their dotted form, and the
// translation of zod issues into `file:line: key: message`.
import type { ConfigProblem } from '../contracts/errors.js';
import type { z } from 'zod';

export type KeyPath = readonly (string | number)[];

/** Finds the line of a key path in the file(s) it came from. */
export interface Locator {
  locate(path: KeyPath): { file: string; line: number };
}

/** `services.web.ports[0]`. */
export function formatKey(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Accumulates problems, each pinned to a file and line through a locator. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  /** Keys whose value is known broken: later checks of what lies under them would only mislead. */
  private readonly settled = new Set<string>();

  add(locator: Locator, path: KeyPath, message: string): void {
    const key = formatKey(path);
    if (this.isSettled(key)) return;
    const { file, line } = locator.locate(path);
    this.items.push({ file, line, key, message });
  }

  /** Adds a problem that says all there is to say about the value at `path` (a failed interpolation). */
  addFinal(locator: Locator, path: KeyPath, message: string): void {
    this.add(locator, path, message);
    this.settled.add(formatKey(path));
  }

  private isSettled(key: string): boolean {
    for (const s of this.settled) if (key === s || key.startsWith(`${s}.`) || key.startsWith(`${s}[`)) return true;
    return false;
  }

  push(...problems: ConfigProblem[]): void {
    this.items.push(...problems);
  }

  /** Adds zod issues; `base` is the path of the value parsed. */
  addZod(locator: Locator, base: KeyPath, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) {
      const path = [...base, ...issue.path.filter((s): s is string | number => typeof s !== 'symbol')];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add(locator, [...path, key], 'unsupported key');
      } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        this.add(locator, path, describeUnion(issue.message));
      } else {
        this.add(locator, path, issue.message);
      }
    }
  }

  /**
   * Parses with a zod schema and reports every issue. When the value is invalid, the keys at
   * fault are dropped and it is parsed again, so that the rest of it is still checked and
   * normalised: one unsupported key must not hide the other problems of a file.
   */
  parse<T>(schema: z.ZodType<T>, value: unknown, locator: Locator, base: KeyPath): T | null {
    let current = value;
    const removed: KeyPath[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const result = schema.safeParse(current);
      if (result.success) return result.data;
      const fresh = result.error.issues.filter((issue) => !removed.some((r) => isPrefix(r, issue.path)));
      this.addZod(locator, base, fresh);
      const cuts = result.error.issues.flatMap(cutPaths);
      if (cuts.some((c) => c.length === 0)) return null;
      removed.push(...cuts);
      current = withoutPaths(current, cuts);
    }
    return null;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}

function describeUnion(message: string): string {
  return message === 'Invalid input' ? 'invalid value for this key' : message;
}

type IssuePath = readonly PropertyKey[];

function isPrefix(prefix: KeyPath, path: IssuePath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

/** The key to drop for an issue: the unsupported key itself, or the nearest named key. */
function cutPaths(issue: z.core.$ZodIssue): KeyPath[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => [...path, key]);
  let end = path.length;
  while (end > 0 && typeof path[end - 1] !== 'string') end--;
  return [path.slice(0, end)];
}

function withoutPaths(value: unknown, cuts: KeyPath[]): unknown {
  const copy: unknown = structuredClone(value);
  for (const cut of cuts) {
    let node: unknown = copy;
    for (const seg of cut.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined;
    const last = cut[cut.length - 1];
    if (node !== null && typeof node === 'object' && last !== undefined) delete (node as Record<string | number, unknown>)[last];
  }
  return copy;
}
