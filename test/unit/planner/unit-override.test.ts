// policy.units.install at plan time: a unit file the commit ships must not take over one the
// host already had, unless moor installed it or the policy names it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlanError } from '../../../agent/planner/context.js';
import { plan } from '../../../agent/planner/plan.js';
import { context, desired, observed } from './fixtures.js';
import { installed, unit } from './units-fixtures.js';

const hostsOwn = (name: string): ReturnType<typeof installed> =>
  ({ name, fileHash: null, enabled: true, masked: false, active: 'active', known: true });

describe('units policy at plan time', () => {
  it("refuses a commit's unit file that would override a unit the host already has", () => {
    const cron = unit('cron.service');
    assert.throws(
      () => plan(desired([], { units: [cron] }), observed([], { units: [hostsOwn('cron.service')] }), context()),
      (err: unknown) => err instanceof PlanError && err.code === 'UNIT_OVERRIDE' && err.handling === 'commit' && /policy\.units\.install/.test(err.message),
    );
  });
  it('lets it through when the policy names the unit or says any', () => {
    const cron = unit('cron.service');
    for (const unitInstall of [['cron.service'], 'any'] as const) {
      const p = plan(desired([], { units: [cron] }), observed([], { units: [hostsOwn('cron.service')] }), context({ unitInstall }));
      assert.ok(p.steps.some((s) => s.kind === 'installUnit'));
    }
  });
  it('keeps updating a unit moor installed itself', () => {
    const old = unit('app.service');
    const next = unit('app.service', { content: '[Service]\nExecStart=/bin/sleep 1000\n' });
    const p = plan(desired([], { units: [next] }), observed([], { units: [{ ...installed(old), known: true }] }), context({ appliedUnits: { 'app.service': old } }));
    assert.ok(p.steps.some((s) => s.kind === 'installUnit'));
  });
  it('adopts a unit whose files on disk are already what the commit ships (a fresh state database)', () => {
    const app = unit('app.service');
    const p = plan(desired([], { units: [app] }), observed([], { units: [{ ...installed(app), known: true }] }), context());
    assert.ok(!p.steps.some((s) => s.kind === 'installUnit'));
  });
  it('installs a unit the host does not know', () => {
    const p = plan(desired([], { units: [unit('new.service')] }), observed([], { units: [{ ...hostsOwn('new.service'), known: false }] }), context());
    assert.ok(p.steps.some((s) => s.kind === 'installUnit'));
  });
});
