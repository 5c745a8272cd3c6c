// An agent that polls on a cron schedule instead of an interval (`source.schedule`): node-cron is
// loaded only for such a host, and its ticks are what bring a new commit in.

import { after, before, describe, it } from 'node:test';
import { dockerSocket, uniqueHostId } from '../bed/docker-env.js';
import { DrillHost, stackCompose } from '../drills/drill-host.js';

describe('an agent on a cron schedule', () => {
  let drill: DrillHost;
  before(async () => {
    drill = await DrillHost.create({ host: uniqueHostId('cron'), project: 'cron', dockerSocket: dockerSocket(), schedule: '* * * * * *' });
  });
  after(async () => {
    await drill?.close();
  });

  it('applies its commit at start, and a commit pushed later at a tick of its schedule, with no sync asked for', async () => {
    const first = await drill.commit({ 'compose.yaml': stackCompose('cron', 1, () => ({ V: '1' })) }, 'first');
    drill.start();
    await drill.waitApplied(first, 120_000);
    const second = await drill.commit({ 'compose.yaml': stackCompose('cron', 1, () => ({ V: '2' })) }, 'second, found by the schedule');
    await drill.waitApplied(second, 120_000);
  });
});
