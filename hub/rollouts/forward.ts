// Several hubs on one database: an operator's rollout write (start, pause, resume, abort) made on
// a hub that does not run the rollouts goes to the one that does over the hubs' channel
// (PostgreSQL NOTIFY), which carries it out and answers; the asking hub reads the rollout back
// from the database. The audit entry is written by the hub the operator talked to.

import { randomBytes } from 'node:crypto';
import type pino from 'pino';
import type { ClusterMessage, ForwardReply, ForwardRequest, RolloutForwardMessage } from '../storage/port.js';
import type { Rollout } from './model.js';

export type { ForwardReply, ForwardRequest };

/** A write's outcome as the routes answer it. */
export interface WriteOutcome {
  status: number;
  rollout: Rollout | null;
  error: Record<string, unknown> | null;
}

/** NOTIFY payloads must stay under 8,000 bytes. */
const MAX_PAYLOAD = 7900;

export interface ForwarderDeps {
  /** This hub's id on the channel. */
  id: string;
  publish: (m: ClusterMessage) => Promise<void>;
  leads: () => boolean;
  /** Carries out a write here (the leader). */
  execute: (request: ForwardRequest) => Promise<WriteOutcome>;
  /** Reads a rollout back once the leader stored it. */
  load: (id: number) => Promise<Rollout | null>;
  logger: pino.Logger;
}

interface Waiting {
  resolve: (reply: ForwardReply) => void;
  timer: NodeJS.Timeout;
}

export class RolloutForwarder {
  private readonly waiting = new Map<string, Waiting>();
  private readonly log: pino.Logger;

  constructor(private readonly deps: ForwarderDeps, private readonly options: { timeoutMs: number }) {
    this.log = deps.logger.child({ component: 'rollout-forward' });
  }

  /** On a hub that does not lead: has the leader carry out the write, and answers what it answered. */
  async send(request: ForwardRequest): Promise<WriteOutcome> {
    const reqId = randomBytes(8).toString('hex');
    const m: RolloutForwardMessage = { t: 'rollout-request', from: this.deps.id, reqId, request };
    if (JSON.stringify(m).length > MAX_PAYLOAD) return refused(413, 'this request is too large to pass to the hub running the rollouts: send it to that hub (moor_hub_leader 1 in /metrics)');
    const reply = new Promise<ForwardReply | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reqId);
        resolve(null);
      }, this.options.timeoutMs);
      this.waiting.set(reqId, { resolve, timer });
    });
    try {
      await this.deps.publish(m);
    } catch (err) {
      this.cancel(reqId);
      this.log.error({ err }, 'cannot pass a rollout write to the hub running the rollouts');
      return refused(503, 'cannot reach the hub running the rollouts through the database: try again');
    }
    const answer = await reply;
    if (answer === null) return refused(503, `no hub running the rollouts answered within ${Math.round(this.options.timeoutMs / 1000)} s (one takes over within seconds when the last one died): try again`);
    const rollout = answer.id === null ? null : await this.deps.load(answer.id);
    return { status: answer.status, rollout, error: answer.error };
  }

  /** The hubs' channel: requests (carried out when this hub leads) and answers to this hub's requests. */
  onMessage(m: RolloutForwardMessage): void {
    if (m.t === 'rollout-reply') {
      if (m.to !== this.deps.id) return;
      const w = this.waiting.get(m.reqId);
      if (!w) return;
      this.cancel(m.reqId);
      w.resolve(m.reply);
      return;
    }
    if (!this.deps.leads()) return;
    void this.answer(m.from, m.reqId, m.request);
  }

  stop(): void {
    for (const id of [...this.waiting.keys()]) this.cancel(id);
  }

  private async answer(to: string, reqId: string, request: ForwardRequest): Promise<void> {
    let reply: ForwardReply;
    try {
      const out = await this.deps.execute(request);
      reply = { status: out.status, id: out.rollout?.id ?? null, error: out.error };
    } catch (err) {
      this.log.error({ err, request: request.op }, 'a rollout write passed on by another hub failed');
      reply = { status: 500, id: null, error: { error: err instanceof Error ? err.message : String(err) } };
    }
    let m: RolloutForwardMessage = { t: 'rollout-reply', from: this.deps.id, to, reqId, reply };
    // A long error (a fleet repo's every problem) is cut to its message.
    if (JSON.stringify(m).length > MAX_PAYLOAD) m = { ...m, reply: { ...reply, error: { error: String(reply.error?.['error'] ?? 'refused').slice(0, 4000), code: reply.error?.['code'] ?? null } } };
    await this.deps.publish(m).catch((err: unknown) => this.log.error({ err }, 'cannot answer another hub\'s rollout write'));
  }

  private cancel(reqId: string): void {
    const w = this.waiting.get(reqId);
    if (w) clearTimeout(w.timer);
    this.waiting.delete(reqId);
  }
}

function refused(status: number, error: string): WriteOutcome {
  return { status, rollout: null, error: { error } };
}
