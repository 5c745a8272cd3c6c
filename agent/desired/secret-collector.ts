// The secret values one load of a config dir has met so far, registered the moment they are read
// (`.env` keys marked secret, env_file values, decrypted `.env.age` values and `.age` files, and
// the agent's own secrets), so that every problem of that load is redacted, even one met later.
import type { ConfigProblem } from '../contracts/errors.js';
import { Redactor } from './secrets.js';

export class SecretCollector {
  private readonly values = new Set<string>();
  private cached: Redactor | null = null;

  constructor(known: Iterable<string> = []) {
    for (const v of known) this.add(v);
  }

  add(value: string | null | undefined): void {
    if (!value) return;
    for (const v of [value, value.trim()]) {
      if (v !== '' && !this.values.has(v)) {
        this.values.add(v);
        this.cached = null;
      }
    }
  }

  list(): string[] {
    return [...this.values].sort();
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
