// Maps each step kind to exactly one executor call; the exhaustive switch makes the compiler
// prove every kind is handled.

import { DockerError, HealthError, MoorError } from '../contracts/errors.js';
import { BUILD_HASH_LABEL } from '../executors/docker/build-image.js';
import type { ContainerEngine } from '../executors/docker/port.js';
import type { FilesPort } from '../executors/files/port.js';
import type { ProjectDirsPort } from '../executors/files/project-dirs.js';
import type { SystemdPort } from '../executors/systemd/port.js';
import type { Step } from '../planner/steps.js';
import { LABEL, type ObservedContainer } from '../contracts/observed.js';
import { ownershipLabels } from './labels.js';

export interface StepExecutorDeps {
  engine: ContainerEngine;
  /** Compose project directories (relative binds, build contexts); absent in tests that use none. */
  projects?: ProjectDirsPort;
  systemd?: SystemdPort;
  files?: FilesPort;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

export interface StepExecutorOptions {
  host: string;
  revision: string;
  healthTimeoutMs: number;
}

export function createStepExecutor(deps: StepExecutorDeps, options: StepExecutorOptions): (step: Step) => Promise<void> {
  const systemd = (): SystemdPort => {
    if (!deps.systemd) throw new MoorError('NO_SYSTEMD', 'this plan manages systemd units, but systemd is not available', { handling: 'commit' });
    return deps.systemd;
  };
  const files = (): FilesPort => {
    if (!deps.files) throw new MoorError('NO_FILES', 'this plan manages files, but file management is not available', { handling: 'commit' });
    return deps.files;
  };
  const projects = (): ProjectDirsPort => {
    if (!deps.projects) throw new MoorError('NO_PROJECT_DIRS', 'this plan places files in project directories, but none are available', { handling: 'commit' });
    return deps.projects;
  };
  return async (step: Step): Promise<void> => {
    switch (step.kind) {
      case 'pullImage':
        return deps.engine.pullImage(step.image);
      case 'buildImage':
        return buildImage(deps.engine, step);
      case 'createNetwork':
        return deps.engine.createNetwork(
          step.network,
          ownershipLabels({ host: options.host, project: step.network.project, hash: step.network.hash, revision: options.revision }),
        );
      case 'removeNetwork':
        return deps.engine.removeNetwork(step.name);
      case 'createVolume':
        return deps.engine.createVolume(
          step.volume,
          ownershipLabels({ host: options.host, project: step.volume.project, hash: step.volume.hash, revision: options.revision }),
        );
      case 'removeVolume':
        return deps.engine.removeVolume(step.name);
      case 'createContainer': {
        const { spec } = step;
        const labels = ownershipLabels({ host: options.host, project: spec.project, service: spec.service, hash: spec.hash, revision: options.revision });
        await deps.engine.createContainer(spec, labels, { hidden: step.hidden === true });
        return;
      }
      case 'startContainer':
        return startOrClear(deps.engine, step.name);
      case 'stopContainer':
        return deps.engine.stopContainer(step.containerId, step.timeoutMs);
      case 'removeContainer':
        return deps.engine.removeContainer(step.containerId);
      case 'drainContainer':
        return deps.engine.disconnectNetworks(step.containerId);
      case 'announceContainer':
        return deps.engine.announceContainer(step.name, step.endpoints);
      case 'renameContainer':
        return deps.engine.renameContainer(step.from, step.to);
      case 'waitHealthy':
        return waitHealthy(deps, step.name, options.healthTimeoutMs);
      case 'waitCompleted':
        return waitCompleted(deps, step.name, options.healthTimeoutMs);
      case 'writeFile':
        return files().write(step.file);
      case 'removeFile':
        return files().remove(step.path);
      case 'placeProjectFile':
        return projects().place(step.dir, step.file);
      case 'removeProjectFile':
        return projects().remove(step.dir, step.rel);
      case 'createDataDir':
        return projects().createDataDir(step.dir, step.rel);
      case 'recordProjectFiles':
        return projects().record(step.dir, step.files);
      case 'installUnit':
        return systemd().install(step.unit);
      case 'removeUnitFile':
        return systemd().removeFile(step.name);
      case 'removeDropIns':
        return systemd().removeDropIns(step.name, step.files);
      case 'reloadSystemd':
        return systemd().daemonReload();
      case 'enableUnit':
        return systemd().enable(step.name);
      case 'disableUnit':
        return systemd().disable(step.name);
      case 'maskUnit':
        return systemd().mask(step.name);
      case 'unmaskUnit':
        return systemd().unmask(step.name);
      case 'startUnit':
        return systemd().start(step.name);
      case 'stopUnit':
        return systemd().stop(step.name);
      case 'restartUnit':
        return systemd().restart(step.name);
      case 'reloadUnit':
        return systemd().reload(step.name);
      default:
        return assertNever(step);
    }
  };
}

/**
 * Starts a container; one left with a stale task by an engine restart is removed instead, and
 * the error asks converge for another round, whose plan creates it anew from the commit.
 */
async function startOrClear(engine: ContainerEngine, name: string): Promise<void> {
  try {
    await engine.startContainer(name);
  } catch (err) {
    if (!(err instanceof DockerError) || err.code !== 'STALE_TASK') throw err;
    const c = await engine.inspectContainer(name);
    // Only what moor owns is removed (the planner only starts containers it owns).
    if (c?.labels[LABEL.managed] !== 'true') throw err;
    await engine.removeContainer(name, { force: true });
    throw new DockerError('STALE_TASK_REMOVED', `container ${name} kept a stale task after an engine restart; removed, to be created anew`, {
      handling: 'retry',
      data: { container: name, replan: true },
      cause: err,
    });
  }
}

/** True for an error after which converge plans again at once instead of failing the apply. */
export function asksReplan(error: MoorError): boolean {
  return error.data['replan'] === true;
}

/** A job the engine will not start again: it ran, exited 0, and its restart policy leaves it so. */
export function completedJob(c: Pick<ObservedContainer, 'state' | 'exitCode' | 'restartPolicy'>): boolean {
  return c.state === 'exited' && c.exitCode === 0 && (c.restartPolicy === 'no' || c.restartPolicy.startsWith('on-failure'));
}

/**
 * Waits until a container is running and, when it has a healthcheck, healthy. A one-shot job
 * (restart `no`) that ran and exited 0 is healthy whenever the gate looks; one that exited
 * non-zero is not.
 */
export async function waitHealthy(
  deps: Pick<StepExecutorDeps, 'engine' | 'now' | 'sleep'>,
  name: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(deps, name, timeoutMs, (c) => (c.state === 'running' && (c.health === null || c.health === 'healthy')) || completedJob(c));
}

/** Waits until a container ran to its end with exit code 0 (depends_on: service_completed_successfully). */
export async function waitCompleted(
  deps: Pick<StepExecutorDeps, 'engine' | 'now' | 'sleep'>,
  name: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(deps, name, timeoutMs, (c) => c.state === 'exited' && c.exitCode === 0, 'did not complete successfully');
}

async function waitFor(
  deps: Pick<StepExecutorDeps, 'engine' | 'now' | 'sleep'>,
  name: string,
  timeoutMs: number,
  done: (c: ObservedContainer) => boolean,
  what = 'is',
): Promise<void> {
  const deadline = deps.now().getTime() + timeoutMs;
  for (;;) {
    const c = await deps.engine.inspectContainer(name);
    if (c && done(c)) return;
    const dead = !c || (c.state === 'exited' && !completedJob(c)) || c.state === 'dead' || c.health === 'unhealthy';
    if (dead || deps.now().getTime() >= deadline) {
      const logs = c ? await deps.engine.logs(name, 20).catch(() => '') : '';
      const state = c ? `${c.state}${c.exitCode !== null && c.state === 'exited' ? ` (exit ${c.exitCode})` : ''}${c.health ? ` (${c.health})` : ''}` : 'missing';
      const prefix = what === 'is' ? `container ${name} is ${state}` : `container ${name} ${what}: ${state}`;
      throw new HealthError(`${prefix}${dead ? '' : ` after ${Math.round(timeoutMs / 1000)}s`}`, {
        resource: `container/${name}`,
        state,
        exitCode: c?.exitCode ?? null,
        logs: logs.split('\n').slice(-20),
      });
    }
    await deps.sleep(500);
  }
}

/**
 * Builds from the context in the project directory. The image carries only the build hash: an
 * image's labels pass to every container made from it, and moor's ownership labels must not.
 */
async function buildImage(engine: ContainerEngine, step: Extract<Step, { kind: 'buildImage' }>): Promise<void> {
  if (!engine.buildImage) throw new MoorError('NO_BUILD', 'this plan builds images, but the engine adapter cannot', { handling: 'commit' });
  const labels = { [BUILD_HASH_LABEL]: step.build.hash };
  await engine.buildImage({
    tag: step.image,
    contextDir: step.build.context === '.' ? step.dir : `${step.dir}/${step.build.context}`,
    files: step.build.hostContext === true ? null : step.files,
    dockerfile: step.build.dockerfile,
    args: step.build.args,
    target: step.build.target,
    labels,
  });
}

function assertNever(x: never): never {
  throw new Error(`unhandled step ${JSON.stringify(x)}`);
}
