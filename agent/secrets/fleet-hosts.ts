// The hosts of a fleet checkout as the secrets tools need them: `hosts/<host>.yaml` labels and
// `ageRecipient`, and label selectors (`role=db,site in (berlin,paris)`) that pick among them.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { RecipientsError } from './errors.js';

export interface FleetHost {
  name: string;
  labels: Record<string, string>;
  recipient: string | null;
}

const hostSchema = z.object({
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  ageRecipient: z.string().regex(/^age1[0-9a-z]{58}$/, 'must be an age X25519 recipient (age1...)').optional(),
});

export async function readFleetHosts(repo: string): Promise<FleetHost[]> {
  const dir = join(repo, 'hosts');
  const names = (await readdir(dir).catch(() => [])).filter((n) => /\.ya?ml$/.test(n)).sort();
  const hosts: FleetHost[] = [];
  for (const file of names) {
    const rel = `hosts/${file}`;
    let value: unknown;
    try {
      value = parse(await readFile(join(dir, file), 'utf8')) ?? {};
    } catch (err) {
      throw new RecipientsError(`${rel}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const parsed = hostSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RecipientsError(`${rel}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    hosts.push({ name: file.replace(/\.ya?ml$/, ''), labels: parsed.data.labels ?? {}, recipient: parsed.data.ageRecipient ?? null });
  }
  return hosts;
}

type Requirement = (labels: Record<string, string>) => boolean;

/** A host name, or a label selector: `k=v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; `{}` or '' is every host. */
export function selectHosts(hosts: readonly FleetHost[], selector: string): FleetHost[] {
  const byName = hosts.find((h) => h.name === selector);
  if (byName) return [byName];
  const requirements = parseSelector(selector);
  return hosts.filter((h) => requirements.every((r) => r(h.labels)));
}

export function parseSelector(selector: string): Requirement[] {
  const text = selector.trim();
  if (text === '' || text === '{}' || text === '*') return [];
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => requirement(p.trim(), selector));
}

const KEY = '([A-Za-z0-9][A-Za-z0-9._/-]*)';

function requirement(part: string, selector: string): Requirement {
  let m = new RegExp(`^${KEY}\\s*(==|=|!=)\\s*([^,\\s]*)$`).exec(part);
  if (m) {
    const [, key = '', op, value] = m;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(part);
  if (m) {
    const [, key = '', op, list = ''] = m;
    const values = new Set(list.split(',').map((v) => v.trim()).filter((v) => v !== ''));
    return op === 'in' ? (l) => values.has(l[key] ?? '\u0000') : (l) => !values.has(l[key] ?? '\u0000');
  }
  m = new RegExp(`^(!?)${KEY}$`).exec(part);
  if (m) {
    const [, not, key = ''] = m;
    return not ? (l) => !(key in l) : (l) => key in l;
  }
  throw new RecipientsError(`"${selector}" is neither a host of hosts/ nor a label selector (role=db,site in (berlin,paris))`);
}
