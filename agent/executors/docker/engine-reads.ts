// The read half of the ContainerEngine port over plain node:http (engine-http.ts): what observe()
// and the status need on every sync. Same answers as the dockerode adapter's reads; the writes stay
// with dockerode, loaded only when something is to change (lazy-engine.ts joins the two).

import type Dockerode from 'dockerode';
import { LABEL, type ForeignResource, type ObservedContainer, type ObservedNetwork, type ObservedVolume } from '../../contracts/observed.js';
import { foreignOf } from './compose-projects.js';
import { listingOf } from './container-listing.js';
import { toObservedContainer } from './create-body.js';
import { statusOf, toDockerError } from './docker-errors.js';
import { BUILD_HASH_LABEL } from './build-image.js';
import { filtersQuery, type EngineHttp } from './engine-http.js';
import type { ContainerEngine, ContainerListing } from './port.js';

export type EngineReads = Pick<ContainerEngine, 'ping' | 'listContainers' | 'listNetworks' | 'listVolumes' | 'imagePresent' | 'inspectContainer'> &
  Required<Pick<ContainerEngine, 'foreignNamed' | 'builtImageHash' | 'apiVersion'>>;

const INSPECT_CONCURRENCY = 8;

// The engine's JSON, typed by dockerode's declarations (types only: nothing of dockerode loads).
const asList = (json: unknown): Dockerode.ContainerInfo[] => (Array.isArray(json) ? (json as Dockerode.ContainerInfo[]) : []);

export function createEngineReads(http: EngineHttp): EngineReads {
  const path = (p: string): string => (p.startsWith('/') ? p : `/${p}`);
  const ownerQuery = (host: string): string => filtersQuery({ label: [`${LABEL.managed}=true`, `${LABEL.host}=${host}`] });
  /** GET that answers null on 404. */
  const getOrNull = async (p: string): Promise<unknown> => {
    try {
      return await http.getJson(path(p));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  };

  async function inspect(nameOrId: string): Promise<ObservedContainer | null> {
    try {
      const info = await getOrNull(`/containers/${encodeURIComponent(nameOrId)}/json`);
      return info === null ? null : toObservedContainer(info as Dockerode.ContainerInspectInfo);
    } catch (err) {
      throw toDockerError(err, 'inspect', { container: nameOrId });
    }
  }

  return {
    async ping() {
      try {
        await http.getJson('/_ping').catch((err: unknown) => {
          // /_ping answers the text OK, which is not JSON: any 2xx answer is a pong.
          if (err instanceof SyntaxError) return null;
          throw err;
        });
      } catch (err) {
        throw toDockerError(err, 'ping');
      }
    },

    async listContainers(host: string): Promise<ContainerListing> {
      let all: Dockerode.ContainerInfo[];
      try {
        all = asList(await http.getJson('/containers/json?all=1'));
      } catch (err) {
        throw toDockerError(err, 'list', { host });
      }
      return listingOf(all, host, INSPECT_CONCURRENCY, inspect);
    },

    async listNetworks(host: string): Promise<ObservedNetwork[]> {
      try {
        const list = (await http.getJson(`/networks?${ownerQuery(host)}`)) as Dockerode.NetworkInspectInfo[] | null;
        return (list ?? []).map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'network' });
      }
    },

    async listVolumes(host: string): Promise<ObservedVolume[]> {
      try {
        const res = (await http.getJson(`/volumes?${ownerQuery(host)}`)) as { Volumes?: Dockerode.VolumeInspectInfo[] | null } | null;
        return (res?.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'volume' });
      }
    },

    async imagePresent(ref: string): Promise<boolean> {
      try {
        return (await getOrNull(`/images/${encodeURI(ref)}/json`)) !== null;
      } catch (err) {
        throw toDockerError(err, 'inspect', { image: ref });
      }
    },

    inspectContainer: inspect,

    async builtImageHash(ref: string): Promise<string | null> {
      try {
        const image = (await getOrNull(`/images/${encodeURI(ref)}/json`)) as Dockerode.ImageInspectInfo | null;
        return image?.Config?.Labels?.[BUILD_HASH_LABEL] ?? null;
      } catch (err) {
        throw toDockerError(err, 'inspect', { image: ref });
      }
    },

    apiVersion: apiVersionReader(http),

    async foreignNamed(names, host) {
      const volumes: ForeignResource[] = [];
      for (const name of names.volumes) {
        const v = (await getOrNull(`/volumes/${encodeURIComponent(name)}`).catch((err: unknown) => {
          throw toDockerError(err, 'inspect', { volume: name });
        })) as Dockerode.VolumeInspectInfo | null;
        const f = v ? foreignOf(v.Name, v.Name, v.Labels ?? undefined, host) : null;
        if (f) volumes.push(f);
      }
      const networks: ForeignResource[] = [];
      for (const name of names.networks) {
        const n = (await getOrNull(`/networks/${encodeURIComponent(name)}`).catch((err: unknown) => {
          throw toDockerError(err, 'inspect', { network: name });
        })) as Dockerode.NetworkInspectInfo | null;
        // The engine resolves a network by id prefix too: only an exact name is the same network.
        const f = n && n.Name === name ? foreignOf(n.Name, n.Id, n.Labels ?? undefined, host) : null;
        if (f) networks.push(f);
      }
      return { volumes, networks };
    },
  };
}

/** The engine's API version, asked once; an engine that does not answer is asked again next time. */
function apiVersionReader(http: EngineHttp): () => Promise<string | null> {
  let asked: Promise<string | null> | null = null;
  return () =>
    (asked ??= http.getJson('/version').then(
      (v) => (typeof v === 'object' && v !== null && 'ApiVersion' in v && typeof v.ApiVersion === 'string' ? v.ApiVersion : null),
      () => {
        asked = null;
        return null;
      },
    ));
}
