// Which values of a commit are secrets, and a redactor that hides them wherever they appear,
// including inside other strings (a DATABASE_URL, a command, a healthcheck, a label).
import type { DesiredState } from './model.js';

/** `.env` and environment keys whose values are secrets by their name. */
export const SECRET_NAME = /(pass|secret|token|key|credential|auth)/i;

export const REDACTED = '(redacted)';
/** What a printed plan shows instead of a file's content. */
export const CONTENT_NOT_SHOWN = '(content not shown)';

/** Shorter values are hidden only where they are a whole value: inside text they would hide too much. */
const MIN_INSIDE = 4;

/** The secret values of a desired state: secret env values (by name, and every env_file value) and secret-named `.env` values. */
export function secretValuesOf(state: Pick<DesiredState, 'containers'>, dotenv: Readonly<Record<string, string>>): string[] {
  const out = new Set<string>();
  for (const c of state.containers) for (const key of c.secretEnv) if (c.env[key]) out.add(c.env[key]);
  for (const [key, value] of Object.entries(dotenv)) if (SECRET_NAME.test(key) && value !== '') out.add(value);
  return [...out].sort();
}

/**
 * The state with the agent's own secrets (agent.yaml's passwords and hub token, read from their
 * files) among the values its plans hide. A loaded state holds only the commit's secrets, so that
 * one holding none of those is stored, without the agent's, and read back after a restart.
 */
export function withAgentSecrets(state: DesiredState, agentSecrets: readonly string[]): DesiredState {
  if (agentSecrets.length === 0) return state;
  const forms = agentSecrets.flatMap((s) => [s, s.trim()]).filter((s) => s !== '');
  return { ...state, secretValues: [...new Set([...(state.secretValues ?? []), ...forms])].sort() };
}

export class Redactor {
  private readonly inside: string[];
  private readonly whole: ReadonlySet<string>;

  constructor(secrets: Iterable<string>) {
    const list = [...new Set(secrets)].filter((s) => s !== '');
    // Longest first, so that a secret containing another is hidden whole.
    this.inside = list.filter((s) => s.length >= MIN_INSIDE).sort((a, b) => b.length - a.length);
    this.whole = new Set(list);
  }

  get empty(): boolean {
    return this.whole.size === 0;
  }

  text(s: string): string {
    if (this.whole.has(s)) return REDACTED;
    let out = s;
    for (const secret of this.inside) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A copy of plain data (JSON-like) with every string redacted, keys included. */
  deep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.walk(v);
      return out;
    }
    return value;
  }
}
