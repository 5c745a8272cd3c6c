// This hub among others sharing one PostgreSQL: holds or waits for the lease under which one hub
// runs the rollouts and the fleet-wide alerts, relays commands for agents linked to another hub
// (NOTIFY), and reads the records the others write. On SQLite it is alone and always leads.

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pino from 'pino';
import type { HubMessage } from '../agent/contracts/hub-protocol.js';
import type { AgentEndpoint } from './agent-endpoint.js';
import type { Fleet } from './fleet.js';
import type { RolloutRunner } from './rollouts/runner.js';
import type { ClusterMessage, ClusterStorage, HostStorage, RolloutForwardMessage } from './storage/port.js';

const LEADER_LEASE = 'leader';

export interface ClusterOptions {
  /** The lease lasts this long unless renewed; another hub takes over after it at the latest. */
  leaseMs: number;
  /** How often the lease is renewed (or tried for). */
  renewMs: number;
  /** How often the records other hubs wrote are read. */
  refreshMs: number;
}

export const CLUSTER_DEFAULTS: ClusterOptions = { leaseMs: 6000, renewMs: 2000, refreshMs: 2000 };

export class ClusterNode {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private leader = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private busy: Promise<void> = Promise.resolve();
  private readonly log: pino.Logger;
  /** Host rows the refresh listed, and the ones it read in full (others' news). */
  readonly absorbed = { rows: 0, read: 0 };

  constructor(
    private readonly deps: { cluster: ClusterStorage; store: HostStorage; fleet: Fleet; endpoint: () => AgentEndpoint; rollouts: RolloutRunner; logger: pino.Logger; now: () => Date; forwarded?: (m: RolloutForwardMessage) => void },
    private readonly options: ClusterOptions,
  ) {
    this.log = deps.logger.child({ component: 'cluster', hub: this.id });
  }

  leads(): boolean {
    return this.leader;
  }

  /** The endpoint's relay: publishes a command for a host that another hub reports online. */
  relay(host: string, message: HubMessage): boolean {
    if (!this.deps.cluster.shared || !this.deps.fleet.linkOf(host)?.online) return false;
    let m: ClusterMessage;
    if (message.t === 'sync') m = { t: 'sync', host, reason: message.reason, from: this.id };
    else if (message.t === 'status') m = { t: 'status', host, reason: '', from: this.id };
    else if (message.t === 'suspend' || message.t === 'resume') m = { t: message.t, host, reason: '', frame: message, from: this.id };
    else return false;
    this.deps.cluster.publish(m).catch((err: unknown) => this.log.error({ err, host }, 'cannot relay a command to the other hubs'));
    return true;
  }

  async start(): Promise<void> {
    if (this.deps.cluster.shared) {
      await this.deps.cluster.subscribe((m) => this.onMessage(m));
      this.timers.push(setInterval(() => void this.refresh(), this.options.refreshMs));
    }
    await this.renew();
    this.timers.push(setInterval(() => void this.renew(), this.options.renewMs));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.busy;
    if (this.leader) {
      this.leader = false;
      await this.deps.rollouts.stop();
      await this.deps.cluster.releaseLease(LEADER_LEASE, this.id).catch(() => undefined);
    }
  }

  private onMessage(m: ClusterMessage): void {
    if (m.from === this.id) return;
    if (m.t === 'rollout-request' || m.t === 'rollout-reply') return this.deps.forwarded?.(m);
    const endpoint = this.deps.endpoint();
    if (m.t === 'sync') endpoint.requestSync(m.host, m.reason, Date.now(), false);
    else if (m.t === 'status') endpoint.sendTo(m.host, { t: 'status' }, false);
    else if (m.frame) endpoint.sendTo(m.host, m.frame, false);
  }

  private renew(): Promise<void> {
    this.busy = this.busy.then(async () => {
      let held: boolean;
      try {
        held = await this.deps.cluster.acquireLease(LEADER_LEASE, this.id, this.options.leaseMs, this.deps.now().getTime());
      } catch (err) {
        // Cannot tell: a leader that cannot renew stops before its lease runs out elsewhere.
        this.log.error({ err }, 'cannot renew the leader lease');
        held = false;
      }
      if (held && !this.leader) {
        this.leader = true;
        this.log.info('this hub now runs rollouts and fleet alerts');
        await this.deps.rollouts.start();
      } else if (!held && this.leader) {
        this.leader = false;
        this.log.warn('this hub no longer holds the leader lease');
        await this.deps.rollouts.stop();
      }
    });
    return this.busy;
  }

  private async refresh(): Promise<void> {
    const since = new Date(this.deps.now().getTime() - this.options.refreshMs * 3).toISOString();
    try {
      // Names and times first: this hub's own rows (hosts linked here) and rows already taken in are not read again.
      const seen = await this.deps.store.hostsSeenSince(since);
      const news = seen.filter((r) => this.deps.fleet.hasNews(r.host, r.lastSeen)).map((r) => r.host);
      this.absorbed.rows += seen.length;
      this.absorbed.read += news.length;
      if (news.length > 0) this.deps.fleet.absorb(await this.deps.store.loadHostsNamed(news));
    } catch (err) {
      this.log.error({ err }, 'cannot read the other hubs\' host records');
    }
  }
}
