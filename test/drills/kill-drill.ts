// The kill -9 drill: commit a change, let the agent start applying, SIGKILL it (or its engine
// child, which runs the sync's writes) at a random moment, or its load child while it reads the
// commit, check SQLite's integrity, restart the agent if it was the one killed, and check it
// converged exactly.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DrillHost, sleep, stackCompose } from './drill-host.js';

export interface KillRound {
  round: number;
  killAfterMs: number;
  /** The kill interrupted an apply (the restarted agent found one, or an engine child was running) or a load. */
  midApply: boolean;
  integrity: string;
  recoveryMs: number;
  divergence: string[];
}

export interface KillDrillOptions {
  host: string;
  dockerSocket: string;
  count: number;
  services: number;
  /** Kill within [0, maxKillMs) after asking for the sync. */
  maxKillMs?: number;
  onRound?: (r: KillRound) => void;
  /**
   * What is killed: the agent (default); the engine child running the sync's writes (at the random
   * moment); or the load child reading the new commit (as soon as it runs).
   */
  target?: 'agent' | 'engine-child' | 'load-child';
}

/** How each child shows in its command line: tsc's entry (node build), or the bundle's verb. */
const CHILDREN = {
  'engine-child': { entry: 'engine-child-main.js', verb: '__engine' },
  'load-child': { entry: 'load-main.js', verb: '__load' },
} as const;

/** The agent's child of that kind (node build or binary), if one runs now. */
function childOf(agentPid: number, kind: keyof typeof CHILDREN): number | null {
  const { entry, verb } = CHILDREN[kind];
  for (const task of readdirSync(`/proc/${agentPid}/task`)) {
    const children = readFileSync(`/proc/${agentPid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of children) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.endsWith(entry) || a === verb)) return pid;
    }
  }
  return null;
}

/** SIGKILL of the agent's child of that kind, if one runs; whether there was one. */
function killChild(agentPid: number, kind: keyof typeof CHILDREN): boolean {
  try {
    const pid = childOf(agentPid, kind);
    if (pid === null) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false; // it ended meanwhile
  }
}

/** Kills the load child as soon as one runs (within `withinMs`); whether one was found. */
async function killLoadChildOnSight(agentPid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (killChild(agentPid, 'load-child')) return true;
    await sleep(5);
  }
  return false;
}

/** Deterministic pseudo-random numbers, so a failing round can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function integrityOf(stateDir: string): string {
  const file = join(stateDir, 'state.db');
  if (!existsSync(file)) return 'no state.db';
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

export async function runKillDrill(options: KillDrillOptions): Promise<KillRound[]> {
  const random = lcg(Number(process.env['MOOR_DRILL_SEED'] ?? 7));
  const drill = await DrillHost.create({ host: options.host, project: 'kill', dockerSocket: options.dockerSocket, intervalMs: 3_600_000 });
  const rounds: KillRound[] = [];
  try {
    let count = options.services;
    let compose = stackCompose('kill', count, () => ({ ROUND: '0' }));
    let head = await drill.commit({ 'compose.yaml': compose }, 'round 0');
    drill.start();
    await drill.waitApplied(head, 120_000);
    for (let round = 1; round <= options.count; round++) {
      // Change the env of a random half of the services; now and then add or drop one.
      const changed = new Set<number>();
      for (let i = 0; i < count; i++) if (random() < 0.5) changed.add(i);
      if (random() < 0.2) count = count === options.services ? options.services - 1 : options.services;
      compose = stackCompose('kill', count, (i) => ({ ROUND: changed.has(i) ? String(round) : '0' }));
      head = await drill.commit({ 'compose.yaml': compose }, `round ${round}`);
      void drill.sync().catch(() => undefined);
      const killAfterMs = options.target === 'load-child' ? 0 : Math.floor(random() * (options.maxKillMs ?? 1500));
      await sleep(killAfterMs);
      let killedChild = false;
      let killedAt = Date.now();
      if (options.target === 'load-child') {
        killedChild = await killLoadChildOnSight(drill.agent?.child.pid ?? 0, 30_000);
        killedAt = Date.now();
        // The agent lives on: the commit's load failed outside the commit, and is tried again.
        void drill.sync().catch(() => undefined);
      } else if (options.target === 'engine-child') {
        killedChild = killChild(drill.agent?.child.pid ?? 0, 'engine-child');
        // The agent lives on: the failed write is retried at once, or by the agent's own backoff.
        void drill.sync().catch(() => undefined);
      } else {
        await drill.agent?.kill9();
        drill.start();
      }
      const integrity = integrityOf(drill.stateDir);
      await drill.waitApplied(head, 120_000);
      const recoveryMs = Date.now() - killedAt;
      const divergence = await drill.divergence(compose);
      const midApply = options.target === 'engine-child' || options.target === 'load-child' ? killedChild : /stopped in the middle of an apply/.test(readFileSync(drill.agent?.logFile ?? '', 'utf8'));
      const r: KillRound = { round, killAfterMs, midApply, integrity, recoveryMs, divergence };
      rounds.push(r);
      options.onRound?.(r);
    }
  } finally {
    await drill.close();
  }
  return rounds;
}
