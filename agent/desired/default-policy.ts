// The policy that holds when no agent.yaml says otherwise (validate and plan in a config repo's CI).

import type { PolicySettings } from './policy-settings.js';
import { DEFAULT_ALLOW, DEFAULT_UNITS } from './policy.js';

/** Where binds and managed files may point when agent.yaml does not say. */
export const DEFAULT_BIND_ROOTS: readonly string[] = ['/srv'];
export const DEFAULT_FILE_ROOTS: readonly string[] = ['/etc/moor-files'];

export function defaultPolicy(): PolicySettings {
  return {
    selfHeal: true,
    prune: true,
    allowPrivileged: false,
    allowedBindRoots: [...DEFAULT_BIND_ROOTS],
    allowedFileRoots: [...DEFAULT_FILE_ROOTS],
    allow: { ...DEFAULT_ALLOW, capabilities: [], volumeDrivers: [] },
    units: { ...DEFAULT_UNITS, dropInsFor: [], maskOrStop: [] },
  };
}
