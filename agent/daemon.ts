// `moor agent`: holds the state dir, polls (or follows cron), syncs one run at a time, serves the
// control socket, reports to the hub, and on SIGTERM finishes the current step and exits.

import type { App } from './app.js';
import { controlSocketPath } from './control/local-agent.js';
import { startControlServer } from './control/server.js';
import type { ControlRequest } from './contracts/control-protocol.js';
import { toMoorError, type ErrorJSON } from './contracts/errors.js';
import { hubBreakGlass } from './hub-break-glass.js';
import { fullCollection, MemoryReducer, MEMORY_REDUCER_DEFAULTS } from './memory-reducer.js';
import type { SyncOutcome } from './reconciler/reconciler.js';
import type { StatusSnapshot } from './contracts/status-model.js';
import type { Reporter } from './reporter/reporter.js';
import { Poller } from './scheduler/poller.js';
import type { StateLock } from './state-lock.js';
import { VERSION } from './version.js';
import type { ApplyTrigger } from './store/store.js';


export interface DaemonHandle {
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** `lock`: the state directory's, taken by the caller before the app opened its database. */
export async function startDaemon(app: App, lock: StateLock): Promise<DaemonHandle> {
  const { settings, logger, store, reconciler } = app;
  // secrets: issue 13. The host's age identity is created on the agent's first start.
  const { recipient: ageRecipient } = await app.secrets.identity();
  logger.info({ ageRecipient }, 'age recipient of this host (moor secrets recipient)');
  const interrupted = store.markInterruptedApplies();
  if (interrupted > 0) logger.warn({ interrupted }, 'previous run stopped in the middle of an apply; converging again');

  let reporter: Reporter | null = null;
  async function startReporter(): Promise<void> {
    if (!settings.hub) return;
    const hub = settings.hub;
    // systeminformation and ws load only on hosts that report to a hub.
    const [{ createHeartbeatSampler }, { createReporter }] = await Promise.all([
      import('./reporter/host-metrics.js'),
      import('./reporter/reporter.js'),
    ]);
    const metrics = createHeartbeatSampler({ diskPaths: [settings.stateDir], agentVersion: VERSION, ageRecipient });
    metrics.start();
    reporter = createReporter(
      {
        db: store.database,
        logger,
        now: () => new Date(),
        random: Math.random,
        status: () => app.status.current(),
        metrics,
        onSyncNow: (reason) => {
          logger.info({ reason }, 'hub asked to sync now');
          void runSync(hubTrigger(reason));
        },
        ...hubBreakGlass({ suspension: reconciler.suspension, logger, syncAfterResume: () => void runSync('hub') }),
      },
      { settings: hub, host: settings.host, version: VERSION },
    );
    const r = reporter;
    app.events.attach(r);
    app.hubLink.state = () => ({ url: hub.url, connected: r.connected(), outbox: r.outboxSize() });
    r.start();
  }

  // node-cron loads only on hosts that poll on a schedule.
  const cron = settings.source.schedule ? (await import('node-cron')).schedule : null;
  const poller = new Poller(
    {
      ...(cron ? { cron: (expression: string, fn: () => void) => cron(expression, fn, { noOverlap: true }) } : {}),
      random: Math.random,
      setTimer: (fn, ms) => {
        const t = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(t) };
      },
    },
    { intervalMs: settings.source.intervalMs, schedule: settings.source.schedule },
    () => void runSync('commit'),
  );

  // Full collections now and then: V8 otherwise keeps a sync's garbage for hours (memory-reducer.ts).
  const reducer = new MemoryReducer({ ...MEMORY_REDUCER_DEFAULTS, now: Date.now, collect: fullCollection });
  let stopping = false;
  // A sync that throws (the state dir full or unwritable: SQLite cannot record anything) must not
  // kill the daemon or stop the polls; the status says why, from memory, until a sync succeeds.
  let unrecorded: { at: string; error: ErrorJSON } | null = null;
  async function runSync(trigger: ApplyTrigger): Promise<SyncOutcome> {
    let outcome: SyncOutcome;
    try {
      outcome = await reconciler.sync(trigger);
      unrecorded = null;
    } catch (err) {
      const error = toMoorError(err, 'SYNC_FAILED').toJSON();
      logger.error({ err: error }, 'sync failed and could not be recorded (is the state dir full?); will retry');
      unrecorded = { at: new Date().toISOString(), error };
      outcome = { result: 'error', commit: null, changes: [], error, retry: true };
    }
    // The engine child of this sync (if it wrote anything) ends, dockerode's memory with it; so does a
    // load child started for a commit that was not loaded after all.
    // Not awaited: a child whose calls hang on a wedged engine is killed after a while, and the
    // next sync's first write waits for that, not this sync's caller.
    void app.releaseChildren().catch((err: unknown) => logger.warn({ err: toMoorError(err, 'ENGINE_CHILD_FAILED').toJSON() }, 'the engine child did not end cleanly'));
    // In the background: the caller (a `moor sync`, the hub) waits for the outcome, not for this.
    if (outcome.result !== 'unchanged') void app.status.refresh().catch(() => undefined);
    if (!stopping) poller.after(outcome);
    // After the caller has its outcome: a collection of a small heap takes some milliseconds.
    setImmediate(() => reducer.afterSync());
    return outcome;
  }
  const withUnrecorded = (s: StatusSnapshot): StatusSnapshot =>
    unrecorded ? { ...s, state: 'error', lastSync: { at: unrecorded.at, commit: null, result: 'error', error: unrecorded.error } } : s;

  async function handle(request: ControlRequest): Promise<unknown> {
    switch (request.verb) {
      case 'sync':
        return runSync('manual');
      case 'status':
        return withUnrecorded(await app.status.refresh());
      case 'plan':
        return reconciler.planNow();
      case 'suspend':
        return reconciler.suspension.suspend(request.forMs, request.reason, request.by);
      case 'resume': {
        const resumed = reconciler.suspension.resume('resumed by an operator', request.by);
        if (resumed) void runSync('manual');
        return { resumed };
      }
      case 'gc':
        return (await import('./control/diagnostics.js')).collectGarbage(process.env);
    }
  }

  // The first sync goes out at once; the control socket and the hub link come up meanwhile
  // (events wait in memory until the reporter has loaded).
  if (settings.hub) app.events.hold();
  app.events.emit({ type: 'agent.started', version: VERSION });
  logger.info({ host: settings.host, branch: settings.source.branch, version: VERSION }, 'agent started');
  void runSync('commit');
  poller.start();
  const control = await startControlServer({ handle, logger }, { path: controlSocketPath(settings.stateDir) });
  await startReporter();

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopPromise: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      logger.info('stopping: finishing the current step');
      poller.stop();
      await reconciler.drain();
      await control.close();
      await reporter?.stop();
      lock.release();
      app.close();
      logger.info('stopped');
      resolveDone();
    })();
    return stopPromise;
  };
  return { done, stop };
}

/** The hub relays a webhook's push as `push <commit>`; anything else came from its API or dashboard. */
export function hubTrigger(reason: string): ApplyTrigger {
  return /^push\b/.test(reason) ? 'webhook' : 'hub';
}
