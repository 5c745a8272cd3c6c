// The agents' token check at connect, batched: the upgrades that arrive while the lookups under way
// (a few at most) run are answered together by the next, so a connect storm costs a query per batch.

import type { TokenLink } from './storage/port.js';

export type TokenLookup = (tokens: readonly string[]) => Promise<Map<string, TokenLink>>;

export interface TokenCheckOptions {
  /** Tokens per lookup at most; the rest wait for the next one. */
  maxBatch: number;
  /** Lookups under way at once at most (each holds a database connection). */
  maxInFlight: number;
}

interface Waiter {
  resolve: (link: TokenLink | null) => void;
  reject: (err: unknown) => void;
}

export class TokenCheck {
  /** Tokens not looked up yet, in arrival order; the same token twice shares one answer. */
  private waiting = new Map<string, Waiter[]>();
  private running = 0;
  /** Lookups made and tokens they carried, for /metrics and the load benchmark. */
  readonly counts = { lookups: 0, tokens: 0 };

  constructor(
    private readonly deps: { lookup: TokenLookup },
    private readonly options: TokenCheckOptions = { maxBatch: 500, maxInFlight: 3 },
  ) {}

  /** The host and stored event seq the token opens, or null for an unknown or revoked token. */
  check(token: string): Promise<TokenLink | null> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(token);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(token, [{ resolve, reject }]);
      this.start();
    });
  }

  private start(): void {
    if (this.running >= this.options.maxInFlight || this.waiting.size === 0) return;
    this.running++;
    // After the current I/O turn: the upgrades read in it go out in one lookup.
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    if (this.waiting.size === 0) {
      this.running--;
      return;
    }
    const batch = new Map<string, Waiter[]>();
    for (const [token, waiters] of this.waiting) {
      if (batch.size >= this.options.maxBatch) break;
      batch.set(token, waiters);
    }
    for (const token of batch.keys()) this.waiting.delete(token);
    this.counts.lookups++;
    this.counts.tokens += batch.size;
    try {
      const found = await this.deps.lookup([...batch.keys()]);
      for (const [token, waiters] of batch) for (const w of waiters) w.resolve(found.get(token) ?? null);
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    } finally {
      this.running--;
      this.start();
    }
  }
}
