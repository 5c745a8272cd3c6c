// The policy that holds when no agent.yaml says otherwise (validate and plan in a config repo's CI).

import type { PolicySettings } from './model.js';
import { DEFAULT_ALLOW, DEFAULT_UNITS } from '../desired/policy.js';
import { DEFAULTS } from './schema.js';

export function defaultPolicy(): PolicySettings {
  return {
    selfHeal: true,
    prune: true,
    allowPrivileged: false,
    allowedBindRoots: [...DEFAULTS.allowedBindRoots],
    allowedFileRoots: [...DEFAULTS.allowedFileRoots],
    allow: { ...DEFAULT_ALLOW, capabilities: [], volumeDrivers: [] },
    units: { ...DEFAULT_UNITS, dropInsFor: [], maskOrStop: [] },
  };
}
