// The foreground agent's log lines: human-readable on a terminal, JSON lines otherwise.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogLine } from '../../../agent/log-format.js';
import { hubTrigger } from '../../../agent/daemon.js';

describe('log lines for people', () => {
  it('turns a pino JSON line into time, level, component, message and fields', () => {
    const line = JSON.stringify({ level: 30, time: '2026-12-01T12:04:05.123Z', component: 'reconciler', commit: 'ab12', changes: 2, msg: 'converged' });
    assert.equal(formatLogLine(line), '12:04:05 INFO  reconciler: converged commit=ab12 changes=2');
  });

  it('shows an error by its message', () => {
    const line = JSON.stringify({ level: 50, time: '2026-12-01T12:04:05.123Z', err: { code: 'X', message: 'it broke' }, msg: 'apply failed' });
    assert.equal(formatLogLine(line), '12:04:05 ERROR apply failed err="it broke"');
  });

  it('passes a line that is not JSON through', () => {
    assert.equal(formatLogLine('plain text\n'), 'plain text');
  });
});

describe('syncs the hub asked for', () => {
  it('are recorded as webhook when the hub relays a push, else as hub', () => {
    assert.equal(hubTrigger('push 0123456789ab'), 'webhook');
    assert.equal(hubTrigger('hub api'), 'hub');
    assert.equal(hubTrigger('operator'), 'hub');
  });
});
