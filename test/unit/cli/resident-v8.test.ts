// Which command line is the resident daemon's: only `moor agent` runs with the daemon's V8 flags
// (no optimizing compiler, V8's memory-saving modes); every other verb, and the agent's
// children, keep V8's defaults.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verbOf } from '../../../agent/resident-v8.js';

describe('the verb of a command line', () => {
  it('is the first word', () => {
    assert.equal(verbOf(['agent']), 'agent');
    assert.equal(verbOf(['sync', '--once']), 'sync');
  });

  it('skips the global options, and the value of --config', () => {
    assert.equal(verbOf(['--config', 'agent', 'status']), 'status');
    assert.equal(verbOf(['--json', '--config=/etc/moor/agent.yaml', 'agent']), 'agent');
  });

  it('is none for a bare `moor` or options only', () => {
    assert.equal(verbOf([]), null);
    assert.equal(verbOf(['--help']), null);
  });

  it('is the checkout child’s hidden verb for the child, which keeps the full compiler', () => {
    assert.equal(verbOf(['__checkout']), '__checkout');
  });
});
