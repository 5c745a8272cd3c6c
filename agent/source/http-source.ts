// The http(s) transport: polls the branch with one protocol-v2 ls-refs request, fetches
// depth 1 with isomorphic-git only when a commit is missing, exports from a private bare repo.

import * as git from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';
import type { SourceSettings } from '../settings/model.js';
import { exportTree } from './export-tree.js';
import { withHeadSymref } from './head-symref.js';
import { createCountingHttpClient, type CountingHttpClient } from './http-client.js';
import type { ConfigSource, RevisionInfo, SourceDeps, SourceOptions } from './port.js';
import { hasCommit, readRevision } from './revision.js';
import { mapHttpError } from './source-errors.js';

/** The private ref that keeps the last fetched commit reachable whatever the server does. */
export const FETCHED_REF = 'refs/moor/fetched';
/** Packs kept in the private repository before it starts over (see compact()). */
export const MAX_PACKS = 16;
const DEFAULT_TIMEOUT_MS = 30_000;

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

/** Splits a pkt-line stream into its data lines; stops at the first flush packet. */
function parsePktLines(buf: Buffer): string[] | null {
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = Number.parseInt(buf.subarray(at, at + 4).toString('ascii'), 16);
    if (Number.isNaN(len)) return null;
    if (len === 0) return lines;
    if (len < 4 || at + len > buf.length) return null;
    lines.push(buf.subarray(at + 4, at + len).toString('utf8').replace(/\n$/, ''));
    at += len;
  }
  return null;
}

export function authHeaders(settings: SourceSettings): Record<string, string> {
  const { username, password } = settings.auth;
  if (password === null) return {};
  const token = Buffer.from(`${username ?? ''}:${password}`, 'utf8').toString('base64');
  return { Authorization: `Basic ${token}` };
}

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (body) for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

export function createHttpSource(deps: SourceDeps, options: SourceOptions): ConfigSource {
  const { settings, gitDir } = options;
  const url = settings.url.replace(/\/+$/, '');
  const fullRef = `refs/heads/${settings.branch}`;
  const headers = authHeaders(settings);
  const client: CountingHttpClient = createCountingHttpClient({ timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const fetchClient = withHeadSymref(client, fullRef);
  // null: not tried yet; false: the server needs the discovery request first.
  let directLsRefs: boolean | null = null;

  /** One POST: protocol v2 ls-refs without the discovery GET. Null if the server cannot do it. */
  async function lsRefsDirect(): Promise<string[] | null> {
    const body = pktLine('command=ls-refs\n') + pktLine('agent=moor\n') + '0001' + pktLine(`ref-prefix ${fullRef}\n`) + '0000';
    const res = await client.request({
      url: `${url}/git-upload-pack`,
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/x-git-upload-pack-request',
        accept: 'application/x-git-upload-pack-result',
        'git-protocol': 'version=2',
        'user-agent': 'git/moor',
      },
      body: (async function* () {
        yield Buffer.from(body, 'utf8');
      })(),
    });
    const payload = await readAll(res.body);
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new SourceError('AUTH_FAILED', `polling ${settings.branch}: the git server refused the credentials (HTTP ${res.statusCode})`, {
        data: { status: res.statusCode },
      });
    }
    if (res.statusCode >= 500) {
      throw new SourceError('UNREACHABLE', `polling ${settings.branch}: the git server answered HTTP ${res.statusCode}`, {
        data: { status: res.statusCode },
      });
    }
    const type = res.headers?.['content-type'] ?? '';
    if (res.statusCode !== 200 || !type.includes('git-upload-pack-result')) return null;
    const lines = parsePktLines(payload);
    if (lines === null || lines.some((l) => l.startsWith('ERR ') || !/^[0-9a-f]{40} /.test(l))) return null;
    return lines;
  }

  async function head(): Promise<string> {
    try {
      let refs: Array<{ ref: string; oid: string }> | null = null;
      if (directLsRefs !== false) {
        const lines = await lsRefsDirect();
        if (lines !== null) {
          directLsRefs = true;
          refs = lines.map((l) => ({ oid: l.slice(0, 40), ref: l.slice(41).split(' ')[0] ?? '' }));
        }
      }
      if (refs === null) {
        refs = await git.listServerRefs({ http: client, url, headers, protocolVersion: 2, prefix: fullRef });
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
    if (!deps.fs.existsSync(`${gitDir}/HEAD`)) {
      await git.init({ fs: deps.fs, gitdir: gitDir, bare: true });
      // isomorphic-git needs a refspec to name its remote-tracking ref; the url (no credentials
      // either way) is passed on each fetch so that a changed agent.yaml takes effect at once.
      await git.setConfig({ fs: deps.fs, gitdir: gitDir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    }
  }

  async function fetchCommit(commit: string): Promise<void> {
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
    await fetchCommit(commit);
    await git.writeRef({ fs: deps.fs, gitdir: gitDir, ref: FETCHED_REF, value: commit, force: true });
    const info = await readRevision(deps, gitDir, commit);
    await exportTree(deps, { gitdir: gitDir, commit, path: settings.path, destDir });
    return info;
  }

  return { head, checkout, stats: () => client.stats() };
}
