// An in-process agent for reconciler tests: the real Reconciler wired to a real git repo (local
// path source), the private Docker engine and a SQLite store, with a clock the test moves.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { desiredStateKey } from '../../../agent/desired/state-key.js';
import { loadDesiredState } from '../../../agent/desired/load.js';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { createProjectDirs } from '../../../agent/executors/files/project-dirs.js';
import { silentLogger } from '../../../agent/logger.js';
import { createCommitGate } from '../../../agent/reconciler/commit-gate.js';
import { Reconciler } from '../../../agent/reconciler/reconciler.js';
import type { AgentEvent } from '../../../agent/contracts/events.js';
import type { SourceSettings } from '../../../agent/settings/model.js';
import { readCommitFacts } from '../../../agent/source/commit-facts.js';
import { createConfigSource, sourceGitDir } from '../../../agent/source/create-source.js';
import { openDatabase } from '../../../agent/store/db.js';
import { Store } from '../../../agent/store/store.js';
import { after, afterEach, before, beforeEach } from 'node:test';
import { cleanupHost, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { tempDir } from '../../bed/agent-process.js';
import { defaultPolicy } from '../../../agent/desired/default-policy.js';

export interface Harness {
  reconciler: Reconciler;
  store: Store;
  events: AgentEvent[];
  clock: { now: Date };
  /** A new Reconciler over the same state dir, as after a restart. */
  restart(): Harness;
  close(): void;
}

export interface HarnessOptions {
  host: string;
  repo: TestRepo;
  branch: string;
  stateDir: string;
  verify?: { mode: 'off' | 'head'; keysFile: string | null };
  allowRewind?: boolean;
  selfHeal?: boolean;
  clock?: { now: Date };
  /** Parent of the compose project directories; default `<stateDir>/projects`. */
  projectsDir?: string;
}

export function createHarness(options: HarnessOptions): Harness {
  const clock = options.clock ?? { now: new Date() };
  const now = (): Date => clock.now;
  const settings: SourceSettings = {
    url: options.repo.gitDir,
    kind: 'local',
    branch: options.branch,
    path: '',
    intervalMs: 60_000,
    schedule: null,
    auth: { username: null, password: null, sshKeyFile: null, knownHostsFile: null },
    verify: options.verify ?? { mode: 'off', keysFile: null },
    allowRewind: options.allowRewind ?? false,
  };
  fs.mkdirSync(options.stateDir, { recursive: true });
  const store = new Store({ db: openDatabase({ file: join(options.stateDir, 'state.db') }), now });
  const sourceOptions = { settings, gitDir: join(options.stateDir, 'git') };
  const events: AgentEvent[] = [];
  const projectsDir = options.projectsDir ?? join(options.stateDir, 'projects');
  const reconciler = new Reconciler(
    {
      source: createConfigSource({ fs }, sourceOptions),
      engine: createDockerEngine({ docker: testDocker() }, { registries: [], dockerConfigFile: null }),
      projects: createProjectDirs(),
      store,
      events: { emit: (e) => void events.push(e) },
      logger: silentLogger(),
      now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      loadDesired: (dir) => loadDesiredState(dir, { policy: defaultPolicy(), projectsDir }),
      checkCommit: createCommitGate(
        { store, facts: (commit, applied) => readCommitFacts({ fs }, { verify: settings.verify, allowRewind: settings.allowRewind, gitDir: sourceGitDir({ fs }, sourceOptions) }, commit, applied) },
        { verify: settings.verify, allowRewind: settings.allowRewind },
      ),
    },
    { host: options.host, snapshotsDir: join(options.stateDir, 'snapshots'), desiredKey: () => desiredStateKey({ policy: defaultPolicy(), projectsDir, secretsDir: join(options.stateDir, 'secrets') }), prune: true, selfHeal: options.selfHeal ?? true, concurrency: 4 },
  );
  return {
    reconciler,
    store,
    events,
    clock,
    restart: () => {
      store.close();
      return createHarness({ ...options, clock });
    },
    close: () => store.close(),
  };
}

/** A compose service of busybox on no network, with optional extra YAML lines (4-space indent). */
export function service(name: string, extra: string[] = []): string {
  return [`  ${name}:`, '    image: local/busybox:1', '    command: ["sleep", "3600"]', '    network_mode: none', '    stop_grace_period: 1s', ...extra.map((l) => `    ${l}`)].join('\n');
}

export function compose(project: string, ...services: string[]): string {
  return `name: ${project}\nservices:\n${services.join('\n')}\n`;
}

/** One test host of a suite: its id, branch, bare repo, temp dir and harness. */
export interface TestHost {
  host: string;
  branch: string;
  repo: TestRepo;
  dir: string;
  /** Replaceable: a test may restart the harness or point it at another state dir. */
  h: Harness;
}

/**
 * Registers the suite's hooks: a fresh bare repo and harness before, and after, the harness
 * closed, everything the host left on the engine removed, the repo and dir deleted. With
 * `each`, every test gets a host of its own (a new host id too), so that any test runs alone.
 */
export function useTestHost(
  prefix: string,
  options: Partial<Omit<HarnessOptions, 'host' | 'repo' | 'branch' | 'stateDir'>> = {},
  scope: { each?: boolean } = {},
): TestHost {
  const t = {} as TestHost;
  const setUp = async (): Promise<void> => {
    t.host = uniqueHostId(prefix);
    t.branch = `hosts/${t.host}`;
    t.repo = await createTestRepo({ bare: true });
    t.dir = tempDir(`moor-${prefix}-`);
    // A clock of the test's own, so that one test moving it does not move the next one's.
    const clock = options.clock ? { now: new Date(options.clock.now) } : undefined;
    t.h = createHarness({ host: t.host, repo: t.repo, branch: t.branch, stateDir: join(t.dir, 'state'), ...options, clock });
  };
  const tearDown = async (): Promise<void> => {
    t.h.close();
    await cleanupHost(testDocker(), t.host);
    await t.repo.remove();
    fs.rmSync(t.dir, { recursive: true, force: true });
  };
  if (scope.each) {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    before(setUp);
    after(tearDown);
  }
  return t;
}
