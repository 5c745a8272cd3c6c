// Maps each step kind to exactly one executor call; the exhaustive switch makes the compiler
// prove every kind is handled.

import { HealthError, MoorError } from '../errors.js';
import { BUILD_HASH_LABEL } from '../executors/docker/build-image.js';
import type { ContainerEngine } from '../executors/docker/port.js';
import type { FilesPort } from '../executors/files/port.js';
import type { ProjectDirsPort } from '../executors/files/project-dirs.js';
import type { SystemdPort } from '../executors/systemd/port.js';
import type { Step } from '../planner/steps.js';
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
        await deps.engine.createContainer(spec, labels);
        return;
      }
      case 'startContainer':
        return deps.engine.startContainer(step.name);
      case 'stopContainer':
        return deps.engine.stopContainer(step.containerId, step.timeoutMs);
      case 'removeContainer':
        return deps.engine.removeContainer(step.containerId);
      case 'drainContainer':
        return deps.engine.disconnectNetworks(step.containerId);
      case 'renameContainer':
        return deps.engine.renameContainer(step.from, step.to);
      case 'waitHealthy':
        return waitHealthy(deps, step.name, options.healthTimeoutMs);
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

/** Waits until a container is running and, when it has a healthcheck, healthy. */
export async function waitHealthy(
  deps: Pick<StepExecutorDeps, 'engine' | 'now' | 'sleep'>,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = deps.now().getTime() + timeoutMs;
  for (;;) {
    const c = await deps.engine.inspectContainer(name);
    if (c && c.state === 'running' && (c.health === null || c.health === 'healthy')) return;
    const dead = !c || c.state === 'exited' || c.state === 'dead' || c.health === 'unhealthy';
    if (dead || deps.now().getTime() >= deadline) {
      const logs = c ? await deps.engine.logs(name, 20).catch(() => '') : '';
      const state = c ? `${c.state}${c.health ? ` (${c.health})` : ''}` : 'missing';
      throw new HealthError(`container ${name} is ${state}${dead ? '' : ` after ${Math.round(timeoutMs / 1000)}s`}`, {
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
