// What the engine's API version allows: `healthcheck.start_interval` needs API 1.44 (Docker
// Engine 25); an older engine drops it silently, so moor does not send it there and says so.
import type Dockerode from 'dockerode';
import type { ContainerSpec } from '../../desired/model.js';
import type { ContainerEngine } from './port.js';

export const START_INTERVAL_API = '1.44';

/** Whether API version `have` ("1.41") is at least `need`. */
export function apiAtLeast(have: string, need: string): boolean {
  const [haveMajor = 0, haveMinor = 0] = have.split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = need.split('.').map(Number);
  return haveMajor !== needMajor ? haveMajor > needMajor : haveMinor >= needMinor;
}

/** The spec as this engine can take it: without start_interval below API 1.44 (unknown: sent). */
export function forEngine(spec: ContainerSpec, apiVersion: string | null): ContainerSpec {
  if (spec.healthcheck === null || spec.healthcheck.startIntervalMs === 0) return spec;
  if (apiVersion === null || apiAtLeast(apiVersion, START_INTERVAL_API)) return spec;
  return { ...spec, healthcheck: { ...spec.healthcheck, startIntervalMs: 0 } };
}

/** One line for the services whose start_interval this engine ignores, or null. */
export function startIntervalNotice(specs: readonly ContainerSpec[], apiVersion: string | null): string | null {
  if (apiVersion === null || apiAtLeast(apiVersion, START_INTERVAL_API)) return null;
  const services = [...new Set(specs.filter((s) => (s.healthcheck?.startIntervalMs ?? 0) > 0).map((s) => s.service))].sort();
  if (services.length === 0) return null;
  return `${services.length === 1 ? 'service' : 'services'} ${services.join(', ')}: healthcheck.start_interval needs Docker Engine 25 (API ${START_INTERVAL_API}); this engine (API ${apiVersion}) ignores it`;
}

/** The engine's API version, asked once; null when the engine does not say. */
export class EngineApiVersion {
  private asked: Promise<string | null> | null = null;

  constructor(private readonly docker: Dockerode) {}

  get(): Promise<string | null> {
    this.asked ??= this.docker.version().then(
      (v) => (typeof v.ApiVersion === 'string' ? v.ApiVersion : null),
      () => {
        this.asked = null; // not reachable now: ask again next time
        return null;
      },
    );
    return this.asked;
  }
}

/** The notice for these specs on this engine; the engine is asked only when a spec sets start_interval. */
export async function startIntervalNoticeFor(engine: ContainerEngine, specs: readonly ContainerSpec[]): Promise<string | null> {
  if (!specs.some((s) => (s.healthcheck?.startIntervalMs ?? 0) > 0) || !engine.apiVersion) return null;
  const version = await engine.apiVersion().catch(() => null);
  return startIntervalNotice(specs, version);
}

/** For the agent, which loads each commit every poll: each distinct notice is said once. */
export function onceEngineNotices(say: (message: string) => void): (engine: ContainerEngine, specs: readonly ContainerSpec[]) => Promise<void> {
  const said = new Set<string>();
  return async (engine, specs) => {
    const notice = await startIntervalNoticeFor(engine, specs);
    if (notice === null || said.has(notice)) return;
    said.add(notice);
    say(notice);
  };
}
