// Wires the hub: storage (SQLite or PostgreSQL), fleet state, agent websocket endpoint, HTTP API and dashboard,
// alerts, and the timers that flush state and check for offline hosts. `moor hub` runs this.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { AgentEndpoint } from './agent-endpoint.js';
import { ClusterNode, CLUSTER_DEFAULTS, type ClusterOptions } from './cluster-node.js';
import { createWebhookAlerts, type AlertSink } from './alerts.js';
import { Fleet } from './fleet.js';
import { registerAdminRoutes } from './http-admin.js';
import { registerApiRoutes } from './http-api.js';
import { registerBreakGlassRoutes } from './http-break-glass.js';
import { registerLoginRoutes } from './http-login.js';
import { createHttpServer } from './http-server.js';
import type { HubSettingsFile } from './settings.js';
import { openHubStorage } from './storage/open.js';
import type { AuthStorage, HostStorage, HubStorage } from './storage/port.js';
import { registerHostMetricsRoute } from './http-host-metrics.js';
import { MetricsHistory } from './metrics-history.js';
import { RolloutForwarder } from './rollouts/forward.js';
import { executeWrite, registerRolloutRoutes } from './rollouts/http.js';
import { ROLLOUT_PAGE_HTML, ROLLOUT_PAGE_SCRIPT } from './rollouts/page.js';
import { gitRolloutRepo, type RolloutRepo } from './rollouts/repo.js';
import { RolloutRunner } from './rollouts/runner.js';

export interface HubDeps {
  logger: pino.Logger;
  now: () => Date;
  /** Defaults to POSTing to `alerts.url`. */
  alerts?: AlertSink;
  /** Defaults to the config repo of `fleet:` in hub.yaml (the rollout simulation brings its own). */
  rolloutRepo?: RolloutRepo;
}

export interface HubOptions {
  settings: HubSettingsFile;
  /** How often the in-memory host records are written to storage. */
  flushMs?: number;
  /** How often the hub pings agents (and re-checks their tokens). */
  pingMs?: number;
  /** Lease and refresh periods when several hubs share a PostgreSQL database. */
  cluster?: Partial<ClusterOptions>;
}

export interface Hub {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
  readonly fleet: Fleet;
  readonly endpoint: AgentEndpoint;
  readonly storage: HubStorage;
  readonly store: HostStorage;
  readonly auth: AuthStorage;
  readonly rollouts: RolloutRunner;
  readonly cluster: ClusterNode;
}

/** Opens the storage `database:` names (its schema brought up to date); `start` serves. */
export async function createHub(deps: HubDeps, options: HubOptions): Promise<Hub> {
  const s = options.settings;
  const log = deps.logger.child({ component: 'hub' });
  const storage = await openHubStorage({ database: s.database, password: s.databasePassword });
  const store = storage.hosts;
  const auth = storage.auth;
  const alerts = deps.alerts ?? createWebhookAlerts({ logger: deps.logger }, { url: s.alerts.url, timeoutMs: s.alerts.timeoutMs });
  const fleet = new Fleet(
    { store, logger: deps.logger, now: deps.now, alerts },
    { offlineAfterMs: s.offlineAfterMs, suspendedAfterMs: s.alerts.suspendedAfterMs, eventsPerHost: s.eventsPerHost, eventBytesPerHost: s.eventBytesPerHost },
  );
  const history = new MetricsHistory({ metrics: storage.metrics });
  fleet.onHeartbeat((host, metrics, at) => history.record(host, metrics, at));
  let node: ClusterNode | null = null;
  const relay = (host: string, message: Parameters<ClusterNode['relay']>[1]): boolean => node?.relay(host, message) ?? false;
  const endpoint = new AgentEndpoint({ fleet, store, logger: deps.logger, relay }, { path: '/agent', pingMs: options.pingMs ?? 30_000, maxPayload: 4 * 1024 * 1024 });
  const rollouts = new RolloutRunner(
    { store: storage.rollouts, fleet, requestSync: (host, reason) => void endpoint.requestSync(host, reason), repo: deps.rolloutRepo ?? (s.fleet ? gitRolloutRepo(s.fleet) : null), alerts, logger: deps.logger, now: deps.now },
    { tickMs: 250 },
  );
  const cluster = new ClusterNode(
    { cluster: storage.cluster, store, fleet, endpoint: () => endpoint, rollouts, logger: deps.logger, now: deps.now, forwarded: (m) => forwarder.onMessage(m) },
    { ...CLUSTER_DEFAULTS, ...options.cluster },
  );
  node = cluster;
  // Rollout writes made here while another hub runs the rollouts are passed to it (rollouts/forward.ts).
  const forwarder = new RolloutForwarder(
    { id: cluster.id, publish: (m) => storage.cluster.publish(m), leads: () => cluster.leads(), execute: (r) => executeWrite(rollouts, r), load: (id) => rollouts.get(id), logger: deps.logger },
    { timeoutMs: 15_000 },
  );
  let app: FastifyInstance | null = null;

  async function build(): Promise<FastifyInstance> {
    const instance = await createHttpServer({ auth, logger: deps.logger, now: deps.now }, s);
    registerLoginRoutes(instance, { auth, logger: deps.logger, now: deps.now }, s);
    registerApiRoutes(instance, { fleet, endpoint, store, auth, logger: deps.logger, now: deps.now, extraMetrics: () => [...rollouts.metrics(), '# HELP moor_hub_leader 1 when this hub runs the rollouts and fleet alerts.', '# TYPE moor_hub_leader gauge', `moor_hub_leader ${cluster.leads() ? 1 : 0}`,
      '# HELP moor_hub_absorb_rows_total Host rows other hubs wrote that this hub listed (names and times).', '# TYPE moor_hub_absorb_rows_total counter', `moor_hub_absorb_rows_total ${cluster.absorbed.rows}`,
      '# HELP moor_hub_absorb_read_total Host rows this hub read in full because they had news.', '# TYPE moor_hub_absorb_read_total counter', `moor_hub_absorb_read_total ${cluster.absorbed.read}`,
      '# HELP moor_hub_token_lookups_total Queries that checked agents\' tokens at connect (each answers a batch).', '# TYPE moor_hub_token_lookups_total counter', `moor_hub_token_lookups_total ${endpoint.tokens.counts.lookups}`,
      '# HELP moor_hub_token_checks_total Agent tokens checked at connect.', '# TYPE moor_hub_token_checks_total counter', `moor_hub_token_checks_total ${endpoint.tokens.counts.tokens}`] }, { webhookSecret: s.webhookSecret });
    registerBreakGlassRoutes(instance, { fleet, endpoint, auth, logger: deps.logger, now: deps.now });
    registerRolloutRoutes(instance, { runner: rollouts, auth, now: deps.now, leads: () => cluster.leads(), forward: storage.cluster.shared ? (r) => forwarder.send(r) : undefined }, { html: ROLLOUT_PAGE_HTML, script: ROLLOUT_PAGE_SCRIPT });
    registerAdminRoutes(instance, { store, auth, now: deps.now });
    registerHostMetricsRoute(instance, { history, fleet, now: deps.now });
    // Agents stay on ws: their bearer token is checked in the upgrade, before the socket is accepted.
    instance.server.on('upgrade', (req, socket, head: Buffer) => endpoint.handleUpgrade(req, socket, head));
    return instance;
  }
  const timers: NodeJS.Timeout[] = [];

  /** Runs a periodic task unless its previous run is still under way; failures are logged. */
  const periodic = (what: string, fn: () => Promise<unknown>) => {
    let running: Promise<void> | null = null;
    return (): Promise<void> => {
      running ??= fn().then(() => undefined, (err: unknown) => log.error({ err }, what)).finally(() => (running = null));
      return running;
    };
  };
  const flush = periodic('cannot write host state', () => fleet.flush());
  const flushCharts = periodic('cannot store the heartbeat figures for the host charts', () => history.flush());
  const check = periodic('cannot check hosts', () => fleet.check({ alerts: cluster.leads() }));

  return {
    fleet,
    endpoint,
    storage,
    store,
    auth,
    rollouts,
    cluster,
    async start() {
      await fleet.load();
      app = await build();
      await app.listen({ port: s.listen.port, host: s.listen.host });
      const server = app.server;
      timers.push(setInterval(() => void flush().then(flushCharts), options.flushMs ?? 2000));
      await cluster.start();
      timers.push(setInterval(() => void check(), Math.max(250, Math.min(5000, s.offlineAfterMs / 4))));
      const address = server.address() as AddressInfo;
      log.info({ listen: `${address.address}:${address.port}`, tls: s.tls !== null, database: s.database }, 'hub listening');
      if ((await auth.userCount()) === 0) {
        log.warn(`no operator yet: nothing but /healthz answers. Create the first admin with: moor hub user add NAME --role admin --config ${s.file}`);
      }
      return { host: address.address, port: address.port };
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      forwarder.stop();
      await cluster.stop();
      await endpoint.close();
      if (app) {
        app.server.closeAllConnections();
        await app.close();
      }
      await flush();
      await flushCharts();
      // Every heartbeat time too, not only those due: the next start reads them.
      await fleet.flush({ all: true }).catch((err: unknown) => log.error({ err }, 'cannot write host state'));
      await alerts.drain();
      await storage.close();
      log.info('hub stopped');
    },
  };
}
