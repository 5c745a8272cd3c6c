// `policy.units` applied to the units of a commit: which unit files it may install, which host
// units it may give drop-ins, mask, disable or stop. Whether an installed unit would override
// one the host already had is a question for the host, asked at plan time.
import type { PolicySettings } from './policy-settings.js';
import type { Manifest } from './manifest.js';
import type { UnitSpec } from './model.js';
import { dropInRefusal, maskOrStopRefusal, unitInstallRefusal } from './policy.js';
import type { KeyPath, Locator, ProblemList } from '../config-text/problems.js';

export function checkUnitPolicy(
  units: readonly UnitSpec[],
  manifest: Manifest,
  manifestLocator: Locator,
  policy: PolicySettings,
  problems: ProblemList,
): void {
  const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });
  const declared = new Map(manifest.units.map((u) => [u.name, u.at]));
  for (const unit of units) {
    if (unit.content !== null) {
      const refusal = unitInstallRefusal(unit.name, policy);
      if (refusal) problems.add(wholeFile(`units/${unit.name}`), [], refusal);
      continue;
    }
    const at: KeyPath = declared.get(unit.name) ?? [];
    if (Object.keys(unit.dropIns).length > 0) {
      const refusal = dropInRefusal(unit.name, policy);
      if (refusal) problems.add(wholeFile(`units/${unit.name}.d`), [], refusal);
    }
    const actions: [boolean, 'masking' | 'stopping' | 'disabling', string][] = [
      [unit.mask, 'masking', 'mask'],
      [unit.state === 'stopped', 'stopping', 'state'],
      [unit.enabled === false, 'disabling', 'enabled'],
    ];
    for (const [asked, what, key] of actions) {
      if (!asked) continue;
      const refusal = maskOrStopRefusal(unit.name, what, policy);
      if (refusal) problems.add(manifestLocator, [...at, key], refusal);
    }
  }
}
