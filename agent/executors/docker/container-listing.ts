// Sorts the engine's one unfiltered container list into this host's managed containers (to
// inspect), every other name in use, and the foreign containers a commit may clash with. Shared
// by the dockerode engine and the plain-http reads, which get the same list by different roads.
import { LABEL, type ForeignResource } from '../../contracts/observed.js';
import { foreignOf } from './compose-projects.js';

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
