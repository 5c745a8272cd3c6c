// The health gate for systemd units a rollout started or restarted: active (and still active a
// moment later), or a oneshot that exited 0, within the rollout timeout; else a HealthError
// carrying the last lines of the unit's journal.

import { HealthError } from '../contracts/errors.js';
import type { SystemdPort, UnitHealth } from '../executors/systemd/port.js';

export interface UnitHealthDeps {
  systemd: SystemdPort;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

const POLL_MS = 250;
/** A unit must stay active this long: a service that exits right after starting is not healthy. */
const SETTLE_MS = 1_000;

type Verdict = 'healthy' | 'failed' | 'waiting';

export function judgeUnit(h: UnitHealth): Verdict {
  if (h.activeState === 'failed' || h.loadState === 'not-found' || h.loadState === 'bad-setting' || h.loadState === 'error') return 'failed';
  if (h.activeState === 'active') return 'healthy';
  // Restart= brings a failing service back round and round: the first failure is enough.
  if (h.subState === 'auto-restart' && h.result !== 'success') return 'failed';
  if (h.activeState === 'inactive') {
    if (h.type === 'oneshot' && h.result === 'success' && (h.execMainStatus ?? 0) === 0) return 'healthy';
    return h.result !== '' && h.result !== 'success' ? 'failed' : 'waiting';
  }
  return 'waiting';
}

export async function waitUnitsHealthy(deps: UnitHealthDeps, names: string[], timeoutMs: number): Promise<void> {
  if (names.length === 0) return;
  const deadline = deps.now().getTime() + timeoutMs;
  const healthySince = new Map<string, number>();
  let pending = [...names];
  for (;;) {
    const states = await deps.systemd.health(pending);
    const t = deps.now().getTime();
    const next: string[] = [];
    for (const h of states) {
      const verdict = judgeUnit(h);
      if (verdict === 'failed') throw await unhealthy(deps, h, null);
      if (verdict === 'healthy') {
        const since = healthySince.get(h.name) ?? t;
        healthySince.set(h.name, since);
        // A finished oneshot is done; a long-running unit has to stay up for a moment.
        if (h.activeState !== 'active' || t - since >= SETTLE_MS) continue;
      } else healthySince.delete(h.name);
      next.push(h.name);
    }
    pending = next;
    if (pending.length === 0) return;
    if (t >= deadline) {
      const [first] = await deps.systemd.health(pending.slice(0, 1));
      if (first) throw await unhealthy(deps, first, timeoutMs);
    }
    await deps.sleep(POLL_MS);
  }
}

async function unhealthy(deps: UnitHealthDeps, h: UnitHealth, timedOutAfterMs: number | null): Promise<HealthError> {
  const journal = await deps.systemd.journal(h.name, 20).catch(() => '');
  const state = `${h.activeState} (${h.subState}${h.result && h.result !== 'success' ? `, result ${h.result}` : ''}${h.execMainStatus ? `, exit status ${h.execMainStatus}` : ''})`;
  const after = timedOutAfterMs === null ? '' : ` after ${Math.round(timedOutAfterMs / 1000)}s`;
  return new HealthError(`unit ${h.name} is ${state}${after}`, {
    resource: `unit/${h.name}`,
    state,
    exitCode: h.execMainStatus,
    logs: journal ? journal.split('\n').slice(-20) : [],
  });
}
