// The policy checks of a compose project that span its services and top-level entries: host
// networking, `container:` modes on containers the project does not own, external volumes and
// networks, volume drivers and bind-type driver_opts.
import type { PolicySettings } from '../policy-settings.js';
import type { ContainerSpec, NetworkSpec, VolumeSpec } from '../model.js';
import { containerModeRefusal, networkModeRefusal, networkRefusals, volumeRefusals } from '../policy.js';
import type { Locator, ProblemList } from '../../config-text/problems.js';

export interface ComposeParts {
  containers: readonly ContainerSpec[];
  volumes: readonly VolumeSpec[];
  networks: readonly NetworkSpec[];
}

/** Runs after `service:X` modes are resolved to `container:NAME`. */
export function checkComposePolicy(parts: ComposeParts, policy: PolicySettings, locator: Locator, problems: ProblemList): void {
  const own = new Set(parts.containers.map((c) => c.name));
  for (const c of parts.containers) {
    const at = ['services', c.service, 'network_mode'];
    const host = networkModeRefusal(c.networkMode, policy);
    if (host) problems.add(locator, at, host);
    for (const [key, value] of [['network_mode', c.networkMode], ['pid', c.pid], ['ipc', c.ipc]] as const) {
      const target = value?.startsWith('container:') ? value.slice('container:'.length) : null;
      if (target === null || own.has(target)) continue;
      const refusal = containerModeRefusal(key, target, policy);
      if (refusal) problems.add(locator, ['services', c.service, key], refusal);
    }
  }
  for (const v of parts.volumes) for (const r of volumeRefusals(v, policy)) problems.add(locator, ['volumes', v.key, ...r.key], r.message);
  for (const n of parts.networks) for (const r of networkRefusals(n, policy)) problems.add(locator, ['networks', n.key, ...r.key], r.message);
}
