// The heavy kill -9 drill: 100 kills at random moments while the agent applies (the suite runs
// 20 of them in test/e2e/drills/kill9.test.ts). Reports how many converged exactly after restart.

import { runKillDrill } from '../test/drills/kill-drill.js';
import { median, ms, Report, table } from './lib/report.js';

export async function killBench(report: Report, options: { socket: string; count: number }): Promise<void> {
  const t = performance.now();
  const rounds = await runKillDrill({
    host: `bench-kill-${process.pid}`,
    dockerSocket: options.socket,
    count: options.count,
    services: 8,
    onRound: (r) => {
      if (r.round % 10 === 0) process.stdout.write(`kill -9 drill: ${r.round}/${options.count}\n`);
    },
  });
  const converged = rounds.filter((r) => r.divergence.length === 0 && r.integrity === 'ok');
  const mid = rounds.filter((r) => r.midApply).length;
  const bad = rounds.filter((r) => r.divergence.length > 0 || r.integrity !== 'ok');
  report.section(`kill -9 while applying, ${options.count} times (8 services, half of them changed per commit)`, [
    ...table(['figure', 'value'], [
      ['converged exactly after restart (no duplicate, no orphan, right hashes, all running)', `${converged.length} / ${rounds.length}`],
      ['PRAGMA integrity_check ok (read-only, after the kill)', `${rounds.filter((r) => r.integrity === 'ok').length} / ${rounds.length}`],
      ['kills that interrupted an apply (the restarted agent found it unfinished)', `${mid} / ${rounds.length}`],
      ['restart to converged, median / max', `${ms(median(rounds.map((r) => r.recoveryMs)))} / ${ms(Math.max(...rounds.map((r) => r.recoveryMs)))}`],
      ['whole drill', `${((performance.now() - t) / 1000).toFixed(0)} s`],
    ]),
    ...(bad.length > 0 ? ['', 'Rounds that did not converge:', ...bad.map((r) => `- round ${r.round} (killed after ${r.killAfterMs} ms): ${r.integrity}; ${r.divergence.join('; ')}`)] : []),
  ]);
  report.bar({ what: 'kill -9 at random points while applying', bar: `${options.count} converge after restart, no duplicate or orphan`, measured: `${converged.length} / ${rounds.length} converged (${mid} kills mid-apply)`, met: converged.length === rounds.length && rounds.length >= 100 });
}
