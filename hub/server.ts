// Wires the hub: SQLite store, fleet state, agent websocket endpoint, HTTP API and dashboard,
// alerts, and the timers that flush state and check for offline hosts. `moor hub` runs this.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type pino from 'pino';
import { AgentEndpoint } from './agent-endpoint.js';
import { createWebhookAlerts, type AlertSink } from './alerts.js';
import { openHubDatabase, type HubDb } from './db.js';
import { Fleet } from './fleet.js';
import { createRequestHandler } from './http-api.js';
import type { HubSettingsFile } from './settings.js';
import { HubStore } from './store.js';

export interface HubDeps {
  logger: pino.Logger;
  now: () => Date;
  /** Defaults to POSTing to `alerts.url`. */
  alerts?: AlertSink;
}

export interface HubOptions {
  settings: HubSettingsFile;
  /** How often the in-memory host records are written to SQLite. */
  flushMs?: number;
  /** How often the hub pings agents (and re-checks their tokens). */
  pingMs?: number;
}

export interface Hub {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
  readonly fleet: Fleet;
  readonly endpoint: AgentEndpoint;
  readonly store: HubStore;
}

export function createHub(deps: HubDeps, options: HubOptions): Hub {
  const s = options.settings;
  const log = deps.logger.child({ component: 'hub' });
  const db: HubDb = openHubDatabase(s.database);
  const store = new HubStore({ db });
  const alerts = deps.alerts ?? createWebhookAlerts({ logger: deps.logger }, { url: s.alerts.url, timeoutMs: s.alerts.timeoutMs });
  const fleet = new Fleet(
    { store, logger: deps.logger, now: deps.now, alerts },
    { offlineAfterMs: s.offlineAfterMs, suspendedAfterMs: s.alerts.suspendedAfterMs, eventsPerHost: s.eventsPerHost },
  );
  const endpoint = new AgentEndpoint({ fleet, store, logger: deps.logger }, { path: '/agent', pingMs: options.pingMs ?? 30_000, maxPayload: 4 * 1024 * 1024 });
  const handler = createRequestHandler({ fleet, endpoint, store, logger: deps.logger }, { webhookSecret: s.webhookSecret });
  const server: Server = s.tls
    ? createHttpsServer({ cert: readFileSync(s.tls.cert), key: readFileSync(s.tls.key) }, handler)
    : createHttpServer(handler);
  server.on('upgrade', (req, socket, head: Buffer) => endpoint.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 5000;
  const timers: NodeJS.Timeout[] = [];

  function flush(): void {
    try {
      fleet.flush();
    } catch (err) {
      log.error({ err }, 'cannot write host state');
    }
  }

  return {
    fleet,
    endpoint,
    store,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(s.listen.port, s.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      timers.push(setInterval(flush, options.flushMs ?? 2000));
      timers.push(setInterval(() => fleet.check(), Math.max(250, Math.min(5000, s.offlineAfterMs / 4))));
      const address = server.address() as AddressInfo;
      log.info({ listen: `${address.address}:${address.port}`, tls: s.tls !== null, database: s.database }, 'hub listening');
      return { host: address.address, port: address.port };
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      flush();
      await alerts.drain();
      db.close();
      log.info('hub stopped');
    },
  };
}
