// The hub may tell an agent four things; suspend and resume frames are checked strictly (zod)
// before the agent acts, and the hub keeps accepting the events and status that record them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suspendForMs } from '../../../agent/hub-break-glass.js';
import { parseHubMessage } from '../../../agent/contracts/hub-protocol.js';
import { parseAgentFrame } from '../../../hub/frames.js';

const parse = (value: unknown) => parseHubMessage(JSON.stringify(value));

describe('hub commands the agent obeys', () => {
  it('takes a suspend with a duration, a reason and who asked', () => {
    assert.deepEqual(parse({ t: 'suspend', for: '90m', reason: 'disk swap', by: 'hub:alice' }), {
      ok: true, message: { t: 'suspend', for: '90m', reason: 'disk swap', by: 'hub:alice' },
    });
    assert.equal(suspendForMs(undefined), 2 * 3_600_000);
    assert.equal(suspendForMs('90m'), 90 * 60_000);
  });

  it('refuses a suspend with any key it does not know, a malformed duration, no reason or no author', () => {
    for (const bad of [
      { t: 'suspend', reason: 'x', by: 'hub:a', command: 'reboot' },
      { t: 'suspend', for: '$(reboot)', reason: 'x', by: 'hub:a' },
      { t: 'suspend', for: '1'.repeat(40), reason: 'x', by: 'hub:a' },
      { t: 'suspend', by: 'hub:a' },
      { t: 'suspend', reason: 'x' },
      { t: 'suspend', reason: 'x'.repeat(2000), by: 'hub:a' },
      { t: 'resume' },
      { t: 'resume', by: 'hub:a', exec: 'sh' },
    ]) {
      assert.deepEqual(parse(bad), { ok: false, command: bad.t }, JSON.stringify(bad));
    }
  });

  it('applies no suspension shorter than a moment or longer than 30 days', () => {
    for (const bad of ['forever', '31d', '0s', '']) assert.equal(suspendForMs(bad), null, bad);
    assert.equal(suspendForMs('30d'), 30 * 86_400_000);
  });

  it('takes a resume naming who asked', () => {
    assert.deepEqual(parse({ t: 'resume', by: 'hub:alice' }), { ok: true, message: { t: 'resume', by: 'hub:alice' } });
  });

  it('leaves the hub accepting suspension events and status with and without `by`', () => {
    const at = '2026-01-01T00:00:00.000Z';
    for (const by of [{}, { by: 'hub:alice' }]) {
      const events = { t: 'events', events: [
        { seq: 1, at, event: { type: 'agent.suspended', until: at, reason: 'x', ...by } },
        { seq: 2, at, event: { type: 'agent.resumed', reason: 'y', ...by } },
      ] };
      assert.equal(parseAgentFrame(JSON.stringify(events)).t, 'events');
    }
  });
});
