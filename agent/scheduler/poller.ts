// When to sync next: a jittered interval or a cron schedule (node-cron), sooner after a wake-up
// (sync now), and with exponential backoff after failures outside the commit.

export interface PollerDeps {
  random: () => number;
  setTimer: (fn: () => void, ms: number) => { cancel(): void };
  /** Starts a cron schedule (node-cron's, loaded only on hosts whose settings have a schedule). */
  cron?: (expression: string, fn: () => void) => { stop(): unknown };
}

export interface PollerOptions {
  intervalMs: number;
  schedule: string | null;
  /** First retry delay after an error outside the commit; doubles up to the interval. */
  retryMinMs?: number;
  /** Longest wait after repeated bugs in moor (they double from the interval up to this). */
  bugMaxMs?: number;
}

/** What the poller needs of a sync's outcome. */
export interface PollOutcome {
  retry: boolean;
  error?: { handling: string } | null;
}

const DEFAULT_BUG_MAX_MS = 60 * 60_000;

export class Poller {
  private timer: { cancel(): void } | null = null;
  private task: { stop(): unknown } | null = null;
  private failures = 0;
  private bugs = 0;
  private stopped = false;

  constructor(
    private readonly deps: PollerDeps,
    private readonly options: PollerOptions,
    private readonly tick: () => void,
  ) {}

  start(): void {
    if (this.options.schedule) {
      if (!this.deps.cron) throw new Error('a cron schedule needs PollerDeps.cron');
      this.task = this.deps.cron(this.options.schedule, () => this.tick());
    }
  }

  /** Plans the next regular poll after a sync ended; `retry` when it failed outside the commit. */
  after(outcome: PollOutcome): void {
    if (this.stopped) return;
    const bug = outcome.error?.handling === 'bug';
    this.bugs = bug ? this.bugs + 1 : 0;
    this.failures = outcome.retry && !bug ? this.failures + 1 : 0;
    this.schedule(this.nextDelay());
  }

  nextDelay(): number {
    if (this.bugs > 0) {
      // A bug meets the same bug again soon: wait at least the interval, longer each time.
      const max = Math.max(this.options.intervalMs, this.options.bugMaxMs ?? DEFAULT_BUG_MAX_MS);
      const backoff = Math.min(max, this.options.intervalMs * 2 ** (this.bugs - 1));
      return Math.round(backoff * (0.9 + 0.2 * this.deps.random()));
    }
    if (this.failures > 0) {
      const min = this.options.retryMinMs ?? 5_000;
      const backoff = Math.min(this.options.intervalMs, min * 2 ** (this.failures - 1));
      return Math.round(backoff * (0.8 + 0.4 * this.deps.random()));
    }
    // ±10 % jitter so that a fleet does not poll in lockstep.
    return Math.round(this.options.intervalMs * (0.9 + 0.2 * this.deps.random()));
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    // With a cron schedule, the interval only drives retries after failures.
    if (this.options.schedule && this.failures === 0 && this.bugs === 0) return;
    this.timer = this.deps.setTimer(() => this.tick(), ms);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    void this.task?.stop();
  }
}
