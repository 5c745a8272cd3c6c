// Takes a snapshot of what the host runs now through the ports' read methods, concurrently.
// The planner gets this snapshot and never queries anything itself.

import type { DesiredState } from '../desired/model.js';
import type { ContainerEngine } from '../executors/docker/port.js';
import type { ProjectDirsPort } from '../executors/files/project-dirs.js';
import type { ObservedFile, ObservedState, ObservedUnit } from '../contracts/observed.js';

/** Read side of the systemd and files executors; absent when the host does not manage them. */
export interface HostReader {
  units(names: string[]): Promise<ObservedUnit[]>;
  files(paths: string[]): Promise<ObservedFile[]>;
}

export interface ObserveDeps {
  engine: ContainerEngine;
  projects?: ProjectDirsPort;
  hostReader?: HostReader;
}

export interface ObserveOptions {
  host: string;
  /** Units and files to look at: those declared now and those moor installed before. */
  unitNames?: string[];
  filePaths?: string[];
}

export async function observe(deps: ObserveDeps, desired: DesiredState, options: ObserveOptions): Promise<ObservedState> {
  const images = [...new Set(desired.containers.map((c) => c.image))];
  const names = {
    volumes: desired.volumes.filter((v) => !v.external).map((v) => v.name),
    networks: desired.networks.filter((n) => !n.external).map((n) => n.name),
  };
  const projectDirs = desired.projectDirs ?? [];
  const built = [...new Set(desired.containers.filter((c) => c.build).map((c) => c.image))];
  const builtImageHash = deps.engine.builtImageHash?.bind(deps.engine);
  const [listing, networks, volumes, present, units, files, foreign, dirs, buildHashes] = await Promise.all([
    deps.engine.listContainers(options.host),
    deps.engine.listNetworks(options.host),
    deps.engine.listVolumes(options.host),
    Promise.all(images.map((ref) => deps.engine.imagePresent(ref))),
    deps.hostReader && options.unitNames?.length ? deps.hostReader.units(options.unitNames) : Promise.resolve([]),
    deps.hostReader && options.filePaths?.length ? deps.hostReader.files(options.filePaths) : Promise.resolve([]),
    deps.engine.foreignNamed && (names.volumes.length > 0 || names.networks.length > 0)
      ? deps.engine.foreignNamed(names, options.host)
      : Promise.resolve({ volumes: [], networks: [] }),
    deps.projects && projectDirs.length > 0 ? deps.projects.observe(projectDirs) : Promise.resolve(undefined),
    builtImageHash ? Promise.all(built.map((ref) => builtImageHash(ref))) : Promise.resolve(built.map(() => null)),
  ]);
  return {
    containers: listing.managed,
    foreignContainerNames: listing.otherNames,
    ...(listing.others ? { foreignContainers: listing.others } : {}),
    foreignVolumes: foreign.volumes,
    foreignNetworks: foreign.networks,
    ...(dirs ? { projectDirs: dirs } : {}),
    ...(built.length > 0 ? { builtImages: Object.fromEntries(built.map((ref, i) => [ref, buildHashes[i] ?? null])) } : {}),
    networks,
    volumes,
    images: Object.fromEntries(images.map((ref, i) => [ref, present[i] === true])),
    units,
    files,
  };
}
