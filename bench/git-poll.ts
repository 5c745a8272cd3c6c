// Git traffic of the agent's source against a real `git http-backend`: bytes and round trips of a
// no-op poll and of a poll after a change, with 1 and 5,000 host branches; fetch time and memory.
// Peer: `git ls-remote` (protocol v2) of the same branch, for the poll.

import { execFile } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceSettings } from '../agent/settings/model.js';
import { createConfigSource } from '../agent/source/create-source.js';
import { createTestRepo } from '../test/bed/git-repo.js';
import { startGitServer } from '../test/bed/git-server.js';
import { stackCompose } from '../test/drills/drill-host.js';
import { mb, ms, Report, table } from './lib/report.js';

interface Row { branches: number; what: string; trips: number; bytes: number; wire: number; ms: number; peak: number }

/** Runs fn while sampling RSS every 2 ms; returns the peak above the start. */
async function withPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number; ms: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const t = performance.now();
  try {
    const value = await fn();
    return { value, peak: Math.max(peak, process.memoryUsage().rss) - base, ms: performance.now() - t };
  } finally {
    clearInterval(timer);
  }
}

export async function gitBench(report: Report): Promise<void> {
  const rows: Row[] = [];
  const peers: string[] = [];
  for (const branches of [1, 5000]) {
    const repo = await createTestRepo({ bare: true });
    const server = await startGitServer({ projectRoot: repo.root, logFile: join(repo.root, 'http.log') });
    const work = mkdtempSync(join(tmpdir(), 'moor-bench-git-'));
    try {
      const branch = 'hosts/edge-0001';
      // A realistic host dir: the 20-service compose file, a unit, and 64 KB of managed files.
      const files = { 'compose.yaml': stackCompose('git', 20), 'units/telegraf.service': '[Service]\nExecStart=/usr/bin/telegraf\n', 'files/blob.txt': 'x'.repeat(64 * 1024) };
      const first = await repo.commitFiles(branch, files, 'first');
      if (branches > 1) await repo.createBranches('hosts/other-', branches - 1, first);
      const settings: SourceSettings = {
        url: `${server.url}/${repo.name}`,
        kind: 'http',
        branch,
        path: '',
        intervalMs: 60_000,
        schedule: null,
        auth: { username: null, password: null, sshKeyFile: null, knownHostsFile: null },
        verify: { mode: 'off', keysFile: null },
        allowRewind: false,
      };
      const source = createConfigSource({ fs: nodeFs }, { settings, gitDir: join(work, 'git') });
      const measure = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
        const before = source.stats();
        server.resetStats();
        const r = await withPeak(fn);
        const after = source.stats();
        const wire = server.stats();
        rows.push({ branches, what, trips: after.roundTrips - before.roundTrips, bytes: after.bytesIn + after.bytesOut - before.bytesIn - before.bytesOut, wire: wire.bytesIn + wire.bytesOut, ms: r.ms, peak: r.peak });
      };
      await measure('first poll + first fetch (clone of the tip)', async () => source.checkout(await source.head(), join(work, 'c0')));
      for (let i = 0; i < 3; i++) await measure(`no-op poll ${i + 1}`, () => source.head());
      const second = await repo.commitFiles(branch, { 'compose.yaml': stackCompose('git', 20, () => ({ V: '2' })) }, 'second');
      await measure('poll after a change + fetch + export', async () => {
        const head = await source.head();
        if (head !== second) throw new Error('wrong head');
        await source.checkout(head, join(work, 'c1'));
      });
      const t = performance.now();
      // Async: the git server runs in this process and must keep answering.
      const out = await new Promise<string>((done) => execFile('git', ['-c', 'protocol.version=2', 'ls-remote', settings.url, `refs/heads/${branch}`], (_err, stdout) => done(stdout)));
      const peerWire = server.stats();
      peers.push(`${branches} branch(es): \`git ls-remote\` (v2) of the branch: ${(performance.now() - t).toFixed(0)} ms, ${peerWire.requests} round trips, ${peerWire.bytesIn + peerWire.bytesOut} B on the wire${out ? '' : ' (no answer)'}`);
    } finally {
      await server.stop();
      await repo.remove();
      rmSync(work, { recursive: true, force: true });
    }
  }
  report.section('Git: the agent\'s source against git http-backend', [
    'Round trips and bytes as the source counts them (`stats()`: HTTP bodies), "wire" as the server\'s sockets count them (headers included). Peak = RSS peak above the start, sampled every 2 ms in the benchmark process.',
    '',
    ...table(['branches', 'operation', 'round trips', 'bytes (source)', 'bytes (wire)', 'time', 'peak memory'], rows.map((r) => [r.branches, r.what, r.trips, r.bytes, r.wire, ms(r.ms), mb(r.peak)])),
    '',
    ...peers.map((p) => `- peer: ${p}`),
  ]);
  const noop = rows.filter((r) => r.what.startsWith('no-op'));
  const worst = noop.reduce((a, b) => (b.wire > a.wire || b.trips > a.trips ? b : a), noop[0] ?? rows[0]!);
  report.bar({
    what: 'a poll when nothing changed',
    bar: '1 HTTP round trip, ≤ 1 KB, even with 5,000 branches',
    measured: `max ${Math.max(...noop.map((r) => r.trips))} round trip(s), ${Math.max(...noop.map((r) => r.bytes))} B body / ${worst.wire} B wire (with ${worst.branches} branches)`,
    met: noop.every((r) => r.trips === 1 && r.wire <= 1024),
  });
}
