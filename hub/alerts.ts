// Alerts to the operator's webhook (chat, pager): one JSON POST per alert, a few at a time,
// a bounded queue so that a dead alert endpoint cannot grow the hub.

import type pino from 'pino';

export type AlertKind = 'host.offline' | 'host.online' | 'sync.failed' | 'sync.rolledBack' | 'sync.rollbackFailed' | 'drift.detected' | 'host.suspended'
  | 'rollout.halted' | 'rollout.completed' | 'rollout.reverted';

export interface Alert {
  kind: AlertKind;
  host: string;
  at: string;
  /** One line for humans (chat clients show `text`). */
  text: string;
  data: Record<string, unknown>;
}

export interface AlertSink {
  send(alert: Alert): void;
  /** Waits for alerts already being posted (tests, shutdown). */
  drain(): Promise<void>;
}

export interface WebhookAlertOptions {
  url: string | null;
  timeoutMs: number;
  maxQueue?: number;
  concurrency?: number;
}

export function createWebhookAlerts(deps: { logger: pino.Logger }, options: WebhookAlertOptions): AlertSink {
  const log = deps.logger.child({ component: 'alerts' });
  const maxQueue = options.maxQueue ?? 1000;
  const concurrency = options.concurrency ?? 4;
  const queue: Alert[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  async function post(url: string, alert: Alert): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.arrayBuffer();
      if (!res.ok) log.warn({ status: res.status, kind: alert.kind, host: alert.host }, 'alert endpoint refused an alert');
    } catch (err) {
      log.warn({ err: (err as Error).message, kind: alert.kind, host: alert.host }, 'cannot deliver an alert');
    }
  }

  function next(url: string): void {
    while (running < concurrency) {
      const alert = queue.shift();
      if (!alert) break;
      running++;
      void post(url, alert).finally(() => {
        running--;
        next(url);
      });
    }
    if (running === 0 && queue.length === 0) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  return {
    send(alert: Alert): void {
      log.info({ kind: alert.kind, host: alert.host }, alert.text);
      if (!options.url) return;
      if (queue.length >= maxQueue) {
        queue.shift();
        log.warn('alert queue full: dropped the oldest alert');
      }
      queue.push(alert);
      next(options.url);
    },
    drain(): Promise<void> {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
