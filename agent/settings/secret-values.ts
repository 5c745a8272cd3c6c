// The secret values of agent.yaml (read from their files): never in a log line, a plan or a
// problem of a commit (a registry password quoted back in an invalid image reference).
import type { AgentSettings } from './model.js';

export function settingsSecrets(settings: AgentSettings): string[] {
  const out = settings.registries.map((r) => r.password);
  if (settings.source.auth.password) out.push(settings.source.auth.password);
  if (settings.hub?.token) out.push(settings.hub.token);
  return out.filter((s) => s !== '');
}
