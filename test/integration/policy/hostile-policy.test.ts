// Policy attacks through a real agent process (git http-backend, private engine): the symlink
// escape under a bind root fails the commit at create, and the 24 KB commit whose 40 files:
// entries share one 16 MB source is refused as invalid by validate, plan and the agent; the peak
// RSS of each is held under 150 MB: validate, plan, the agent, its checkout child and its load child.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { moor } from '../../bed/agent-process.js';
import { DrillHost } from '../../drills/drill-host.js';

const MB = 1024 * 1024;
const RSS_LIMIT_MB = 150;
const SOURCE = 'A'.repeat(16 * MB);

function sharedSourceManifest(entries: number): string {
  const lines = ['files:'];
  for (let i = 0; i < entries; i++) lines.push(`  - { path: /etc/moor-files/copy-${i}.bin, source: files/big.bin }`);
  return `${lines.join('\n')}\n`;
}

/** Peak RSS of a live process, from /proc. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

/** Peak RSS the agent logged for its `child` ('checkout' or 'load') that worked on `commit`. */
function childPeakMb(logFile: string, child: 'checkout' | 'load', commit: string): number | null {
  for (const line of readFileSync(logFile, 'utf8').split('\n').reverse()) {
    if (!line.includes(`${child} child done`) || !line.includes(commit)) continue;
    const entry: unknown = JSON.parse(line);
    if (typeof entry === 'object' && entry !== null && 'peakKb' in entry && typeof entry.peakKb === 'number') return entry.peakKb / 1024;
  }
  return null;
}

/** Runs `moor ARGS` and returns its exit code, output and peak RSS (written by a preload at exit). */
async function moorWithRss(args: string[], dir: string): Promise<{ code: number | null; stdout: string; stderr: string; rssMb: number }> {
  const preload = join(dir, 'rss.cjs');
  const out = join(dir, `rss-${args[0]}.txt`);
  writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`);
  const run = await moor(args, { env: { NODE_OPTIONS: `--require ${preload}` } });
  return { ...run, rssMb: Number(readFileSync(out, 'utf8')) / 1024 };
}

describe('policy attacks through a real agent', () => {
  let drill: DrillHost;
  let root = '';
  const host = uniqueHostId('policy');
  const service = (name: string, bind: string): string =>
    `  ${name}:\n    image: local/busybox:1\n    command: ["sleep", "3600"]\n    network_mode: none\n    stop_grace_period: 1s\n    volumes: ["${bind}:/host:ro"]\n`;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'moor-policy-root-'));
    mkdirSync(join(root, 'data'));
    drill = await DrillHost.create({
      host,
      project: 'policy',
      dockerSocket: dockerSocket(),
      intervalMs: 3_600_000,
      extraYaml: `policy: { allowedBindRoots: [${root}] }\n`,
    });
    const first = await drill.commit({ 'compose.yaml': `name: policy\nservices:\n${service('a', join(root, 'data'))}` }, 'good');
    drill.start();
    await drill.waitApplied(first);
  });
  after(async () => {
    await drill?.close();
  });

  it('refuses the 24 KB commit with 40 files: entries sharing a 16 MB source in validate, plan and the agent, each process under 150 MB', async () => {
    const files = { 'compose.yaml': `name: policy\nservices:\n${service('a', join(root, 'data'))}`, 'moor.yaml': sharedSourceManifest(40), 'files/big.bin': SOURCE };
    const dir = mkdtempSync(join(tmpdir(), 'moor-policy-big-'));
    mkdirSync(join(dir, 'files'));
    for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);

    const validate = await moorWithRss(['validate', dir], dir);
    assert.equal(validate.code, 1, validate.stderr);
    assert.match(validate.stdout, /moor\.yaml:1: files: sources total 671088640 bytes/);
    const plan = await moorWithRss(['plan', '--dir', dir, '--offline'], dir);
    assert.equal(plan.code, 1, plan.stderr);
    assert.match(plan.stderr, /moor\.yaml:1: files: sources total/);

    const agentBeforeMb = peakRssMb(drill.agent?.child.pid ?? 0);
    const head = await drill.commit(files, 'forty copies of sixteen megabytes');
    const outcome = await drill.sync();
    assert.equal(outcome.commit, head);
    assert.equal(outcome.result, 'invalid');
    assert.equal(outcome.retry, false);
    assert.match(outcome.error?.message ?? '', /moor\.yaml:1: files: sources total 671088640 bytes/);
    const pid = drill.agent?.child.pid;
    assert.ok(pid);
    const agentMb = peakRssMb(pid);
    // isomorphic-git holds several copies of the 16 MB blob while it fetches and exports it: that
    // happens in the checkout child, and the loader's refusal in the load child, whose memory goes
    // back to the system when they end.
    const logFile = drill.agent?.logFile ?? '';
    const checkoutMb = childPeakMb(logFile, 'checkout', head);
    const loadMb = childPeakMb(logFile, 'load', head);
    assert.ok(checkoutMb !== null && loadMb !== null, `no 'checkout child done' and 'load child done' lines for ${head} in ${logFile}`);
    console.log(`peak RSS: validate ${validate.rssMb.toFixed(1)} MB, plan ${plan.rssMb.toFixed(1)} MB, agent ${agentMb.toFixed(1)} MB (${agentBeforeMb.toFixed(1)} MB before this commit), checkout child ${checkoutMb.toFixed(1)} MB, load child ${loadMb.toFixed(1)} MB`);
    for (const [who, mb] of [['validate', validate.rssMb], ['plan', plan.rssMb], ['agent', agentMb], ['checkout child', checkoutMb], ['load child', loadMb]] as const) {
      assert.ok(mb < RSS_LIMIT_MB, `${who} peaked at ${mb.toFixed(1)} MB`);
    }
    assert.equal(drill.agent?.exited(), false);
  });

  it('fails a commit whose bind source is a symlink planted under the root, at create, without retry', async () => {
    symlinkSync('/', join(root, 'x'));
    const head = await drill.commit({ 'compose.yaml': `name: policy\nservices:\n${service('a', join(root, 'data'))}${service('b', join(root, 'x'))}`, 'moor.yaml': null, 'files/big.bin': null }, 'escape');
    const outcome = await drill.sync();
    assert.equal(outcome.commit, head);
    assert.ok(outcome.result === 'rolled-back' || outcome.result === 'failed', `result ${outcome.result}`);
    assert.equal(outcome.retry, false);
    assert.match(outcome.error?.message ?? '', new RegExp(`service b: bind source ${join(root, 'x')} resolves on the host to /`));
    const names = (await drill.containers()).map((c) => c.Names[0]);
    assert.ok(!names.includes('/policy-b'), `policy-b was created: ${names.join(', ')}`);
    // Judged once: the next poll does not try it again.
    assert.equal((await drill.sync()).result, outcome.result);
  });
});
