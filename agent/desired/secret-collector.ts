// The secret values one load of a config dir has met so far, registered the moment they are read
// (`.env` keys marked secret, env_file values, decrypted `.env.age` values and `.age` files, and
// the agent's own secrets), so that every problem of that load is redacted, even one met later.
import type { ConfigProblem } from '../contracts/errors.js';
import { Redactor } from './secrets.js';

export class SecretCollector {
  private readonly values = new Set<string>();
  /** What the commit revealed, apart from the agent's own secrets known from the start. */
  private readonly revealed = new Set<string>();
  private cached: Redactor | null = null;

  constructor(known: Iterable<string> = []) {
    for (const v of known) this.register(v);
  }

  add(value: string | null | undefined): void {
    for (const v of this.register(value)) this.revealed.add(v);
  }

  /** Every value registered: the agent's own and the commit's. */
  list(): string[] {
    return [...this.values].sort();
  }

  /**
   * The values the commit itself revealed (one equal to an agent's own secret included): a
   * desired state holding any of them in clear is never written to the state dir.
   */
  fromCommit(): string[] {
    return [...this.revealed].sort();
  }

  private register(value: string | null | undefined): string[] {
    if (!value) return [];
    const forms = [...new Set([value, value.trim()])].filter((v) => v !== '');
    for (const v of forms) {
      if (!this.values.has(v)) {
        this.values.add(v);
        this.cached = null;
      }
    }
    return forms;
  }

  redactor(): Redactor {
    this.cached ??= new Redactor(this.values);
    return this.cached;
  }

  /** A problem whose message and key hide every value registered so far. */
  problem(p: ConfigProblem): ConfigProblem {
    const r = this.redactor();
    return r.empty ? p : { ...p, key: r.text(p.key), message: r.text(p.message) };
  }
}
