// Sorts the engine's one unfiltered container list into this host's managed containers (to
// inspect), every other name in use, and the foreign containers a commit may clash with. Shared
// by the dockerode engine and the plain-http reads, which get the same list by different roads
// and inspect this host's containers through the same few-at-a-time loop.
import { LABEL, type ForeignResource, type ObservedContainer } from '../../contracts/observed.js';
import { foreignOf } from './compose-projects.js';
import type { ContainerListing } from './port.js';

/** The fields of a `GET /containers/json` entry this needs. */
export interface ListedContainer {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string> | null;
}

export interface SortedListing {
  /** Ids of the containers this host's agent manages. */
  mine: string[];
  otherNames: string[];
  others: ForeignResource[];
}

export function sortListing(all: readonly ListedContainer[], host: string): SortedListing {
  const mine: string[] = [];
  const otherNames: string[] = [];
  const others: ForeignResource[] = [];
  for (const c of all) {
    const labels = c.Labels ?? {};
    const names = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
    if (labels[LABEL.managed] === 'true' && labels[LABEL.host] === host) mine.push(c.Id);
    else otherNames.push(...names);
    for (const n of names) {
      const f = foreignOf(n, c.Id, labels, host);
      if (f) others.push(f);
    }
  }
  return { mine, otherNames: otherNames.sort(), others };
}

/**
 * The host's listing from the engine's one list: its own containers inspected, `concurrency` at
 * a time, beside every other name in use and the foreign containers.
 */
export async function listingOf(
  all: readonly ListedContainer[],
  host: string,
  concurrency: number,
  inspect: (id: string) => Promise<ObservedContainer | null>,
): Promise<ContainerListing> {
  const { mine, otherNames, others } = sortListing(all, host);
  const inspected = await mapLimit(mine, concurrency, inspect);
  // A container removed between list and inspect is simply no longer there.
  return { managed: inspected.filter((c): c is ObservedContainer => c !== null), otherNames, others };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
