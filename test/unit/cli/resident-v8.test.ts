// Which command line is a resident daemon's: `moor agent` runs with the agent's V8 flags (no
// optimizing compiler, V8's memory-saving modes), `moor hub` with the hub's (a roomier old
// generation, baseline code at a function's first call); every other verb, and the agent's
// children, keep V8's defaults.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { RESIDENT_V8_FLAGS, verbOf } from '../../../agent/resident-v8.js';

const MODULE = new URL('../../../agent/resident-v8.js', import.meta.url).href;

/**
 * The old generation's growing factors V8 chose at its full collections (its verbose GC trace) in a
 * process that set the daemon flags of `verb` at run time, as the daemon does, then kept ~170 MB.
 */
function growingFactors(verb: string): number[] {
  const code = `const { applyResidentV8 } = await import(${JSON.stringify(MODULE)});
    applyResidentV8(${JSON.stringify(verb)});
    const keep = [];
    for (let i = 0; i < 25; i++) keep.push(new Array(200000).fill(0).map((_, j) => ({ j })));`;
  const r = spawnSync(process.execPath, ['--trace-gc-verbose', '--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, MOOR_RESIDENT_OPT: '' } });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)$/gm)].map((m) => Number(m[1]));
}

/** Whether a function called once, after the daemon flags of `verb` were set at run time, runs Sparkplug's baseline code. */
function baselineAtFirstCall(verb: string): boolean {
  const code = `const { applyResidentV8 } = await import(${JSON.stringify(MODULE)});
    applyResidentV8(${JSON.stringify(verb)});
    const f = new Function('x', 'return x + 1');
    f(1);
    process.stdout.write(String(%ActiveTierIsSparkplug(f)));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, MOOR_RESIDENT_OPT: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^(true|false)$/);
  return r.stdout === 'true';
}

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

describe('the daemons\' V8 flags', () => {
  it('are set for `moor agent` and `moor hub` only', () => {
    assert.deepEqual([...RESIDENT_V8_FLAGS.keys()].sort(), ['agent', 'hub']);
  });

  it('are all flags this node accepts (it refuses a flag it does not know and exits 9)', () => {
    for (const [verb, flags] of RESIDENT_V8_FLAGS) {
      const r = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${verb}: ${flags.join(' ')}: ${r.stderr}`);
    }
  });

  it('let the hub\'s old generation grow to twice what a full collection left, set at run time', () => {
    // A collection V8 runs to shrink the heap (kept short of memory, or at exit) may trace its own
    // minimal factor; those of a heap that grows are the flag's.
    const hub = growingFactors('hub');
    assert.ok(hub.includes(2), `factors traced: ${hub.join(', ') || 'none'}`);
    // Without them V8 picks its own factor (4 in so short a process with a heap that grows fast).
    assert.ok(growingFactors('status').some((f) => f !== 2));
  });

  it('compile the hub\'s functions to baseline code at their first call, set at run time', () => {
    assert.equal(baselineAtFirstCall('hub'), true);
    // V8's default: the interpreter first, baseline code once a function has run a while.
    assert.equal(baselineAtFirstCall('status'), false);
  });
});
