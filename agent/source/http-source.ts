// The http(s) transport: polls the branch with one protocol-v2 ls-refs request (http-poll.ts),
// fetches depth 1 with isomorphic-git only when a commit is missing, exports from a private bare
// repo. isomorphic-git (about 13 MB resident once loaded) loads on the first fetch or checkout,
// never for a poll that finds the branch where it was.

import { SourceError } from '../contracts/errors.js';
import { withHeadSymref } from './head-symref.js';
import { createCountingHttpClient, type CountingHttpClient } from './http-client.js';
import { authHeaders, lsRefsDirect, type RefLine } from './http-poll.js';
import type { ConfigSource, RevisionInfo, SourceDeps, SourceOptions } from './port.js';
import { mapHttpError } from './source-errors.js';

export { authHeaders } from './http-poll.js';

/** The private ref that keeps the last fetched commit reachable whatever the server does. */
export const FETCHED_REF = 'refs/moor/fetched';
/** Packs kept in the private repository before it starts over (see compact()). */
export const MAX_PACKS = 16;
const DEFAULT_TIMEOUT_MS = 30_000;

export function createHttpSource(deps: SourceDeps, options: SourceOptions): ConfigSource {
  const { settings, gitDir } = options;
  const url = settings.url.replace(/\/+$/, '');
  const fullRef = `refs/heads/${settings.branch}`;
  const headers = authHeaders(settings);
  const client: CountingHttpClient = createCountingHttpClient({ timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const fetchClient = withHeadSymref(client, fullRef);
  // null: not tried yet; false: the server needs the discovery request first.
  let directLsRefs: boolean | null = null;

  async function head(): Promise<string> {
    try {
      let refs: RefLine[] | null = null;
      if (directLsRefs !== false) {
        refs = await lsRefsDirect(client, { url, headers, branch: settings.branch, fullRef });
        if (refs !== null) directLsRefs = true;
      }
      if (refs === null) {
        refs = await (await import('isomorphic-git')).listServerRefs({ http: client, url, headers, protocolVersion: 2, prefix: fullRef });
        // Only a server that answers discovery but not the direct request is marked as such.
        if (directLsRefs === null) directLsRefs = false;
      }
      const match = refs.find((r) => r.ref === fullRef);
      if (!match) {
        throw new SourceError('BRANCH_NOT_FOUND', `branch ${settings.branch} not found at ${settings.url}`, {
          data: { branch: settings.branch },
        });
      }
      return match.oid;
    } catch (err) {
      throw mapHttpError(err, `polling ${settings.branch}`);
    }
  }

  async function ensureRepo(): Promise<void> {
    const git = await import('isomorphic-git');
    if (!deps.fs.existsSync(`${gitDir}/HEAD`)) {
      await git.init({ fs: deps.fs, gitdir: gitDir, bare: true });
      // isomorphic-git needs a refspec to name its remote-tracking ref; the url (no credentials
      // either way) is passed on each fetch so that a changed agent.yaml takes effect at once.
      await git.setConfig({ fs: deps.fs, gitdir: gitDir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    }
  }

  async function fetchCommit(commit: string): Promise<void> {
    const [git, { hasCommit }] = await Promise.all([import('isomorphic-git'), import('./revision.js')]);
    await ensureRepo();
    if (await hasCommit(deps, gitDir, commit)) return;
    await compact();
    let fetched: string | null;
    try {
      const res = await git.fetch({
        fs: deps.fs,
        http: fetchClient,
        gitdir: gitDir,
        url,
        ref: settings.branch,
        remoteRef: fullRef,
        singleBranch: true,
        depth: 1,
        tags: false,
        headers,
      });
      fetched = res.fetchHead;
    } catch (err) {
      throw mapHttpError(err, `fetching ${settings.branch}`);
    }
    if (fetched) await git.writeRef({ fs: deps.fs, gitdir: gitDir, ref: FETCHED_REF, value: fetched, force: true });
    if (!(await hasCommit(deps, gitDir, commit))) {
      throw new SourceError('COMMIT_NOT_FOUND', `commit ${commit} is no longer the tip of ${settings.branch} (now ${fetched ?? 'none'})`, {
        data: { commit, fetched },
      });
    }
  }

  /**
   * isomorphic-git never repacks: every depth-1 fetch adds a pack. Only the commit about to be
   * fetched matters (snapshots hold the trees already applied), so past a few packs the private
   * repository simply starts over: disk use stays flat over months of commits.
   */
  async function compact(): Promise<void> {
    let packs: string[];
    try {
      packs = deps.fs.readdirSync(`${gitDir}/objects/pack`).filter((f) => f.endsWith('.pack'));
    } catch {
      return;
    }
    if (packs.length < MAX_PACKS) return;
    deps.fs.rmSync(gitDir, { recursive: true, force: true });
    await ensureRepo();
  }

  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    const [git, { readRevision }, { exportTree }] = await Promise.all([import('isomorphic-git'), import('./revision.js'), import('./export-tree.js')]);
    await fetchCommit(commit);
    options.afterFetch?.();
    await git.writeRef({ fs: deps.fs, gitdir: gitDir, ref: FETCHED_REF, value: commit, force: true });
    const info = await readRevision(deps, gitDir, commit);
    await exportTree(deps, { gitdir: gitDir, commit, path: settings.path, destDir });
    return info;
  }

  return { head, checkout, stats: () => client.stats() };
}
