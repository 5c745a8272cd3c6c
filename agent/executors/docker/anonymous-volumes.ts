// Anonymous volumes survive a container's replacement, as docker compose keeps them: the volumes
// of a container moor removes are remembered, and the container created next under that name
// (or, for a docker compose container taken over, under moor's name for its service) gets them
// back at the same targets (a `- /data` of the service, or a VOLUME of the image).
import type Dockerode from 'dockerode';
import type { ContainerSpec, MountSpec } from '../../desired/model.js';
import { NEXT_SUFFIX } from '../../planner/containers.js';

/** A volume of a removed container that the engine named itself (no name in the compose file). */
export interface RetiredVolume {
  target: string;
  volume: string;
}

interface InspectedMount {
  Type?: string;
  Name?: string;
  Destination?: string;
}

/** Names the engine gives anonymous volumes: 64 hex digits. */
const ANONYMOUS_NAME = /^[0-9a-f]{64}$/;
/** Remembered removals at most; more would only come from pruned services never created again. */
const MAX_REMEMBERED = 200;

export function anonymousVolumesOf(mounts: readonly InspectedMount[] | undefined): RetiredVolume[] {
  return (mounts ?? []).flatMap((m) =>
    m.Type === 'volume' && m.Name !== undefined && ANONYMOUS_NAME.test(m.Name) && m.Destination ? [{ target: m.Destination, volume: m.Name }] : [],
  );
}

/**
 * The spec with the retired volumes mounted where it asks for an anonymous volume, or where the
 * image declares a VOLUME that no mount of the spec covers (compose inherits both).
 */
export function withInheritedVolumes(spec: ContainerSpec, retired: readonly RetiredVolume[], imageVolumes: readonly string[]): ContainerSpec {
  if (retired.length === 0) return spec;
  const byTarget = new Map(retired.map((r) => [r.target, r.volume]));
  const mounts: MountSpec[] = spec.mounts.map((m) => {
    const volume = m.type === 'volume' && m.source === '' ? byTarget.get(m.target) : undefined;
    return volume === undefined ? m : { ...m, source: volume };
  });
  for (const target of imageVolumes) {
    const volume = byTarget.get(target);
    if (volume === undefined || mounts.some((m) => m.target === target)) continue;
    mounts.push({ type: 'volume', source: volume, target, readOnly: false, noCopy: false });
  }
  return { ...spec, mounts };
}

/** Remembers what removed containers leave behind and hands it to their successors. */
export class AnonymousVolumeCarry {
  private readonly retired: Map<string, RetiredVolume[]>;

  /** `carried`: what an earlier carry remembered (the engine child's, handed over between syncs). */
  constructor(
    private readonly docker: Dockerode,
    carried: readonly (readonly [string, RetiredVolume[]])[] = [],
  ) {
    this.retired = new Map(carried);
  }

  /** What it remembers now, to hand to the next carry. */
  entries(): [string, RetiredVolume[]][] {
    return [...this.retired];
  }

  /** Called before a container is removed; a container already gone leaves nothing. */
  async retire(nameOrId: string): Promise<void> {
    const info = await orNull(() => this.docker.getContainer(nameOrId).inspect());
    if (info === null) return;
    const volumes = anonymousVolumesOf(info.Mounts);
    if (volumes.length === 0) return;
    this.retired.set(info.Name.replace(/^\//, ''), volumes);
    // A docker compose container being taken over (`proj_db_1`) hands its volumes to moor's `proj-db`.
    const project = info.Config.Labels?.['com.docker.compose.project'];
    const service = info.Config.Labels?.['com.docker.compose.service'];
    if (project && service && info.Config.Labels?.['moor.managed'] !== 'true') this.retired.set(`${project}-${service}`, volumes);
    if (this.retired.size > MAX_REMEMBERED) this.retired.delete(this.retired.keys().next().value ?? '');
  }

  /**
   * The spec to create: a replacement gets the volumes of the container it replaces (removed
   * before, or for a start-first update still running under the service's name).
   */
  async into(spec: ContainerSpec): Promise<ContainerSpec> {
    const name = spec.name.endsWith(NEXT_SUFFIX) ? spec.name.slice(0, -NEXT_SUFFIX.length) : spec.name;
    let retired = this.retired.get(name) ?? [];
    this.retired.delete(name);
    if (retired.length === 0 && name !== spec.name) {
      const running = await orNull(() => this.docker.getContainer(name).inspect());
      retired = anonymousVolumesOf(running?.Mounts);
    }
    if (retired.length === 0) return spec;
    const image = await orNull(() => this.docker.getImage(spec.image).inspect());
    return withInheritedVolumes(spec, retired, Object.keys(image?.Config?.Volumes ?? {}));
  }
}

/** A lookup whose failure (gone, or the engine refusing) means "nothing to carry", never an error. */
async function orNull<T>(lookup: () => Promise<T>): Promise<T | null> {
  try {
    return await lookup();
  } catch {
    return null;
  }
}
