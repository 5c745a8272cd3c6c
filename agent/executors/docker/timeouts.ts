// A deadline on every call to the container engine, and what follows from it: an engine that
// stops answering (dockerd wedged in libnetwork) is reported, not waited on; it is back once a
// call answers again.

import { DockerError } from '../../contracts/errors.js';
import type { ContainerEngine } from './port.js';

export interface EngineHealth {
  ok: boolean;
  /** When it stopped answering (ISO), null while it answers. */
  since: string | null;
  error: string | null;
}

export interface GuardedEngine extends ContainerEngine {
  health(): EngineHealth;
}

export interface EngineTimeoutDeps {
  now: () => Date;
  /** Told when the engine stops answering and when it answers again. */
  onChange?: (health: EngineHealth) => void;
}

export interface EngineTimeoutOptions {
  /** Deadline of an ordinary call (list, inspect, create, start ...). */
  callMs: number;
  /** Deadline of an image pull, which may be slow for good reasons. */
  pullMs: number;
}

export const DEFAULT_ENGINE_TIMEOUTS: EngineTimeoutOptions = { callMs: 30_000, pullMs: 15 * 60_000 };

/** The methods every adapter has (the optional abilities are guarded apart). */
type Method = { [K in keyof ContainerEngine]-?: undefined extends ContainerEngine[K] ? never : K }[keyof ContainerEngine];

export function withTimeouts(engine: ContainerEngine, deps: EngineTimeoutDeps, options: EngineTimeoutOptions): GuardedEngine {
  let health: EngineHealth = { ok: true, since: null, error: null };
  const setHealth = (next: EngineHealth): void => {
    const changed = next.ok !== health.ok;
    health = next;
    if (changed) deps.onChange?.(next);
  };

  function deadline<T>(call: Promise<T>, method: string, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new DockerError('ENGINE_NOT_ANSWERING', `the Docker engine did not answer ${method} within ${Math.round(ms / 1000)}s`, {
          handling: 'retry',
          data: { op: method, timeoutMs: ms },
        });
        if (health.ok) setHealth({ ok: false, since: deps.now().toISOString(), error: err.message });
        reject(err);
      }, ms);
      timer.unref();
    });
    // The late call may still settle; its outcome then only tells whether the engine is back.
    call.then(
      () => setHealth({ ok: true, since: null, error: null }),
      (err: unknown) => {
        if (err instanceof DockerError && err.code === 'ENGINE_UNREACHABLE') {
          setHealth({ ok: false, since: health.since ?? deps.now().toISOString(), error: err.message });
        } else setHealth({ ok: true, since: null, error: null });
      },
    );
    return Promise.race([call, late]).finally(() => clearTimeout(timer));
  }

  function guard<K extends Method>(method: K, deadlineOf: (args: Parameters<ContainerEngine[K]>) => number) {
    const fn = engine[method] as (...a: Parameters<ContainerEngine[K]>) => ReturnType<ContainerEngine[K]>;
    return (...args: Parameters<ContainerEngine[K]>): ReturnType<ContainerEngine[K]> =>
      deadline(fn.apply(engine, args) as Promise<unknown>, method, deadlineOf(args)) as ReturnType<ContainerEngine[K]>;
  }

  const plain = <K extends Method>(method: K) => guard(method, () => options.callMs);
  return {
    health: () => health,
    ping: plain('ping'),
    listContainers: plain('listContainers'),
    listNetworks: plain('listNetworks'),
    listVolumes: plain('listVolumes'),
    imagePresent: plain('imagePresent'),
    inspectContainer: plain('inspectContainer'),
    logs: plain('logs'),
    pullImage: guard('pullImage', () => options.pullMs),
    createNetwork: plain('createNetwork'),
    removeNetwork: plain('removeNetwork'),
    createVolume: plain('createVolume'),
    removeVolume: plain('removeVolume'),
    createContainer: plain('createContainer'),
    startContainer: plain('startContainer'),
    // The engine itself waits up to the stop timeout before it kills.
    stopContainer: guard('stopContainer', ([, timeoutMs]) => timeoutMs + options.callMs),
    removeContainer: plain('removeContainer'),
    renameContainer: plain('renameContainer'),
    disconnectNetworks: plain('disconnectNetworks'),
    announceContainer: plain('announceContainer'),
    // Optional abilities of an adapter stay optional; a build may take as long as a pull.
    ...(engine.builtImageHash ? { builtImageHash: optional(engine.builtImageHash, 'builtImageHash', options.callMs) } : {}),
    ...(engine.buildImage ? { buildImage: optional(engine.buildImage, 'buildImage', options.pullMs) } : {}),
    ...(engine.foreignNamed ? { foreignNamed: optional(engine.foreignNamed, 'foreignNamed', options.callMs) } : {}),
    ...(engine.apiVersion ? { apiVersion: optional(engine.apiVersion, 'apiVersion', options.callMs) } : {}),
  };

  function optional<A extends unknown[], R>(fn: (...args: A) => Promise<R>, method: string, ms: number): (...args: A) => Promise<R> {
    return (...args: A) => deadline(fn.apply(engine, args), method, ms);
  }
}
