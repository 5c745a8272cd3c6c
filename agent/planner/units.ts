// Plans systemd units: install changed unit files and drop-ins, one daemon-reload, then enable,
// mask, start, stop, restart or reload, and prune what moor installed. Pure: no I/O, no clock.

import type { DesiredState, UnitSpec } from '../desired/model.js';
import { hasUnitFiles, observedUnitHash, unitFilesHash } from '../desired/unit-hash.js';
import type { ObservedState, ObservedUnit } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import { PlanError, type PlanContext } from './context.js';
import type { FilePlan } from './files.js';
import type { FieldChange, ResourceAction } from './steps.js';
import { byCodeUnits } from './order.js';

const RUNNING: ReadonlySet<ObservedUnit['active']> = new Set(['active', 'activating', 'reloading']);

/** What is known of a unit the host does not report (no such unit yet). */
function absent(name: string): ObservedUnit {
  return { name, fileHash: null, enabled: false, masked: false, active: 'inactive' };
}

interface UnitWork {
  spec: UnitSpec;
  now: ObservedUnit;
  install: boolean;
  mask: 'mask' | 'unmask' | null;
  enable: 'enable' | 'disable' | null;
  run: 'start' | 'stop' | 'restart' | 'reload' | null;
  fields: FieldChange[];
  reasons: string[];
  drift: boolean;
}

export function planUnits(desired: DesiredState, observed: ObservedState, ctx: PlanContext, b: PlanBuilder, files: FilePlan): void {
  const seen = new Map(observed.units.map((u) => [u.name, u]));
  const applied = ctx.appliedUnits ?? {};
  const wanted = [...desired.units].sort((x, y) => byCodeUnits(x.name, y.name));

  refuseHostUnitOverrides(wanted, seen, applied, ctx);
  const work = wanted.map((spec) => decide(spec, seen.get(spec.name) ?? absent(spec.name), applied[spec.name], files));

  // Files first: stop, disable and remove what moor installed and no longer declares.
  const fileSteps: string[] = [];
  const restartsAfterReload: string[] = [];
  const declared = new Set(wanted.map((u) => u.name));
  if (ctx.prune) {
    for (const name of Object.keys(applied).sort()) {
      const old = applied[name];
      if (declared.has(name) || !old) continue;
      if (old.content === null) {
        // A unit the host has: only the drop-ins moor put there go, never the unit's own file.
        const dropIns = Object.keys(old.dropIns).sort();
        const now = seen.get(name) ?? absent(name);
        if (dropIns.length === 0 || !now.dropInHash) continue;
        const resource = `unit/${name}`;
        b.explain({ kind: 'unit', name, action: 'update', why: 'its drop-ins are no longer declared', fields: [], drift: false });
        fileSteps.push(b.add({ kind: 'removeDropIns', resource, name, files: dropIns }));
        if (RUNNING.has(now.active)) restartsAfterReload.push(name);
        continue;
      }
      const now = seen.get(name) ?? absent(name);
      if (now.fileHash === null) continue;
      const resource = `unit/${name}`;
      b.explain({ kind: 'unit', name, action: 'remove', why: 'no longer declared', fields: [], drift: false });
      const stop = RUNNING.has(now.active) ? b.add({ kind: 'stopUnit', resource, name }) : null;
      const disable = now.enabled ? b.add({ kind: 'disableUnit', resource, name }, [stop]) : null;
      fileSteps.push(b.add({ kind: 'removeUnitFile', resource, name }, [stop, disable]));
    }
  }
  for (const w of work) {
    if (!w.install) continue;
    // A running unit whose file changes is stopped only if the commit says so (below).
    fileSteps.push(b.add({ kind: 'installUnit', resource: `unit/${w.spec.name}`, unit: w.spec }));
  }
  const reload = fileSteps.length > 0 ? b.add({ kind: 'reloadSystemd', resource: 'unit/*' }, fileSteps) : null;
  for (const name of restartsAfterReload) b.add({ kind: 'restartUnit', resource: `unit/${name}`, name }, [reload]);

  for (const w of work) {
    if (!w.install && !w.mask && !w.enable && !w.run) continue;
    const { name } = w.spec;
    const resource = `unit/${name}`;
    b.explain({ kind: 'unit', name, action: action(w), why: w.reasons.join('; '), fields: w.fields, drift: w.drift });
    let last: string | null = reload;
    // A unit declared stopped is stopped before it is masked or disabled.
    if (w.run === 'stop') last = b.add({ kind: 'stopUnit', resource, name }, [last]);
    if (w.mask) last = b.add({ kind: w.mask === 'mask' ? 'maskUnit' : 'unmaskUnit', resource, name }, [last]);
    if (w.enable) last = b.add({ kind: w.enable === 'enable' ? 'enableUnit' : 'disableUnit', resource, name }, [last]);
    if (w.run && w.run !== 'stop') {
      const kind = w.run === 'start' ? 'startUnit' : w.run === 'restart' ? 'restartUnit' : 'reloadUnit';
      b.add({ kind, resource, name }, [last, ...files.stepIds]);
    }
  }
}

function decide(spec: UnitSpec, now: ObservedUnit, applied: UnitSpec | undefined, files: FilePlan): UnitWork {
  const w: UnitWork = { spec, now, install: false, mask: null, enable: null, run: null, fields: [], reasons: [], drift: false };
  // The commit asked for nothing new about this unit: whatever differs was done by hand.
  const sameAsApplied = applied !== undefined && applied.hash === spec.hash;
  const note = (reason: string, field?: FieldChange): void => {
    w.reasons.push(reason);
    if (field) w.fields.push(field);
  };

  let filesChanged = false;
  if (hasUnitFiles(spec) && !spec.mask) {
    const want = unitFilesHash(spec.content, spec.dropIns);
    const have = observedUnitHash(spec, now);
    if (have !== want) {
      w.install = true;
      filesChanged = have !== null;
      const appliedHash = applied && hasUnitFiles(applied) ? unitFilesHash(applied.content, applied.dropIns) : null;
      const byHand = appliedHash === want;
      if (byHand) w.drift = true;
      const what = spec.content === null ? 'drop-ins' : 'unit file';
      note(have === null ? (byHand ? `${what} is missing (removed by hand?)` : `new ${what}`) : byHand ? `${what} edited by hand` : `${what} changed`, {
        field: spec.content === null ? 'dropIns' : 'file',
        from: have ? `sha256:${have.slice(0, 12)}` : null,
        to: `sha256:${want.slice(0, 12)}`,
      });
    }
  }

  if (spec.mask && !now.masked) {
    w.mask = 'mask';
    note('masked', { field: 'masked', from: 'false', to: 'true' });
  } else if (!spec.mask && now.masked) {
    w.mask = 'unmask';
    note(sameAsApplied ? 'masked by hand' : 'unmasked', { field: 'masked', from: 'true', to: 'false' });
    if (sameAsApplied) w.drift = true;
  }

  if (!spec.mask && spec.enabled !== null && spec.enabled !== now.enabled) {
    w.enable = spec.enabled ? 'enable' : 'disable';
    note(sameAsApplied ? `${now.enabled ? 'enabled' : 'disabled'} by hand` : spec.enabled ? 'enabled' : 'disabled', {
      field: 'enabled',
      from: String(now.enabled),
      to: String(spec.enabled),
    });
    if (sameAsApplied) w.drift = true;
  }

  const running = RUNNING.has(now.active) && !now.masked;
  const restartFor = files.restarts.get(spec.name);
  if (spec.mask || spec.state === 'stopped') {
    if (RUNNING.has(now.active)) {
      w.run = 'stop';
      note(sameAsApplied ? `${now.active}, started by hand` : 'stopped', { field: 'state', from: now.active, to: 'stopped' });
      if (sameAsApplied) w.drift = true;
    }
  } else if (spec.state === 'running' && !running && !(now.completed === true && !filesChanged && restartFor === undefined)) {
    w.run = 'start';
    const byHand = sameAsApplied && !filesChanged;
    note(byHand ? `${now.active} (stopped by hand or failed)` : 'started', { field: 'state', from: now.active, to: 'running' });
    if (byHand) w.drift = true;
  } else if (running && (filesChanged || restartFor !== undefined)) {
    // `onChange: reload` runs ExecReload (the adapter falls back to a restart without one).
    w.run = spec.onChange === 'reload' ? 'reload' : 'restart';
    note(filesChanged ? `${w.run}: its files changed` : `${w.run}: ${restartFor ?? 'a file'} changed`);
  }
  return w;
}

function action(w: UnitWork): ResourceAction {
  if (w.install) return w.now.fileHash === null ? 'create' : 'update';
  if (w.run === 'start') return 'start';
  if (w.run === 'restart' || w.run === 'reload') return 'restart';
  return 'update';
}

/**
 * Under `policy.units.install: own`, a unit file the commit ships must not replace one the host
 * already had (systemd knows the name) and moor did not install: that would hand the unit over.
 * Files already on disk exactly as the commit has them are replaced by nothing (a fresh state
 * database meeting what an earlier moor installed), so they are not refused.
 */
function refuseHostUnitOverrides(
  wanted: readonly UnitSpec[],
  seen: ReadonlyMap<string, ObservedUnit>,
  applied: Readonly<Record<string, UnitSpec>>,
  ctx: PlanContext,
): void {
  if ((ctx.unitInstall ?? 'own') !== 'own') return;
  for (const spec of wanted) {
    const now = seen.get(spec.name);
    if (spec.content === null || applied[spec.name] !== undefined || now?.known !== true) continue;
    if (observedUnitHash(spec, now) === unitFilesHash(spec.content, spec.dropIns)) continue;
    throw new PlanError(
      'UNIT_OVERRIDE',
      `units/${spec.name} would override the host's own ${spec.name}, which moor did not install; refused by policy (policy.units.install: own; name it in policy.units.install to allow it)`,
      { handling: 'commit', data: { unit: spec.name } },
    );
  }
}
