// What the rollout runner reads without state of its own: when a rollout next needs a look, whether
// a report may close its wave, and its Prometheus lines.

import { countOf, indexOf } from './ledger.js';
import { totalPhases, type Rollout } from './model.js';

export interface RunnerStats {
  /** ms from the report that made a wave healthy to the push of the next wave. */
  waveAdvanceMs: number[];
  /** CPU time of the passes (planner, store writes, publishing with its awaits), microseconds. */
  passCpuUs: number;
}

/** Prometheus lines for /metrics: hosts by phase and the wave of each active rollout, and the runner's timings. */
export function rolloutMetrics(active: readonly Rollout[], stats: RunnerStats): string[] {
  const out = ['# HELP moor_hub_rollout_hosts Hosts of each active rollout by phase.', '# TYPE moor_hub_rollout_hosts gauge'];
  for (const r of active) for (const [phase, n] of Object.entries(totalPhases(r))) out.push(`moor_hub_rollout_hosts{rollout="${r.id}",phase="${phase}"} ${n}`);
  out.push('# HELP moor_hub_rollout_wave Wave in progress (1-based) of each active rollout.', '# TYPE moor_hub_rollout_wave gauge');
  for (const r of active) out.push(`moor_hub_rollout_wave{rollout="${r.id}",status="${r.status}"} ${r.wave + 1}`);
  const last = stats.waveAdvanceMs[stats.waveAdvanceMs.length - 1];
  out.push('# HELP moor_hub_rollout_wave_advance_seconds Time from the report that made a wave healthy to the next wave being published (latest).', '# TYPE moor_hub_rollout_wave_advance_seconds gauge');
  out.push(`moor_hub_rollout_wave_advance_seconds ${last === undefined ? 'NaN' : (last / 1000).toFixed(3)}`);
  out.push('# HELP moor_hub_rollout_pass_cpu_seconds_total CPU time the rollout passes took (approximate: other work may run during a publish).', '# TYPE moor_hub_rollout_pass_cpu_seconds_total counter');
  out.push(`moor_hub_rollout_pass_cpu_seconds_total ${(stats.passCpuUs / 1e6).toFixed(3)}`);
  return out;
}

/** Whether `host` is the last one the rollout waits for in its current wave (or its revert). */
export function mayCloseWave(r: Rollout, host: string): boolean {
  const phase = r.hosts[indexOf(r, host)]?.phase;
  if (r.status === 'reverting') return phase === 'reverting' && countOf(r, 'reverting') <= 1;
  if (r.status !== 'running' || phase !== 'waiting') return false;
  const c = r.waveCounts[r.wave];
  return c !== undefined && c.pending + c.publishing + c.waiting <= 1;
}

/** When the rollout next needs a look without any report: a pause ending or a host timing out. */
export function deadline(r: Rollout): number {
  if (r.status !== 'running' && r.status !== 'reverting') return Number.POSITIVE_INFINITY;
  const pause = r.waveStartedAt === null && r.nextWaveAt !== null ? r.nextWaveAt : Number.POSITIVE_INFINITY;
  return Math.min(pause, r.checkTimeoutsAt ?? Number.POSITIVE_INFINITY);
}
