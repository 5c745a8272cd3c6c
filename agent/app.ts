// Builds the agent's parts from its settings: the one place where adapters are created and wired
// (called only from main.ts and the CLI verbs it dispatches to).

import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { allowOf, unitsPolicyOf } from './desired/policy.js';
import { desiredStateKey } from './desired/state-key.js';
import { createProjectDirs } from './executors/files/project-dirs.js';
import type { ConfigProblem } from './contracts/errors.js';
import { loadCommit } from './commit-load/load-commit.js';
import { loadChildCommand, loadInChild } from './commit-load/load-child.js';
import { onceEngineNotices } from './executors/docker/engine-api.js';
import { lazyDockerEngine } from './executors/docker/lazy-engine.js';
import { engineChild, engineChildCommand } from './executors/docker/engine-child.js';
import { DEFAULT_ENGINE_TIMEOUTS, withTimeouts, type EngineTimeoutOptions, type GuardedEngine } from './executors/docker/timeouts.js';
import type { Logger } from './logger.js';
import { Reconciler } from './reconciler/reconciler.js';
import { ensureStateDir } from './state-dir.js';
import { StatusTracker } from './reconciler/status.js';
import { NO_EVENTS, type AgentEvent, type EventSink } from './contracts/events.js';
import type { AgentSettings } from './settings/model.js';
import { settingsSecrets } from './settings/secret-values.js';
import { checkoutChildCommand, checkoutInChild } from './source/checkout-child.js';
import { agentSourceOptions, createConfigSource } from './source/create-source.js';
import type { ConfigSource } from './source/port.js';
import { createCommitGate, type CommitGate } from './reconciler/commit-gate.js';
import { openDatabase } from './store/db.js';
import { Store } from './store/store.js';
import { VERSION } from './version.js';
import { createHostParts, type HostParts } from './host-parts.js';
import { createHostSecrets, DEFAULT_SECRETS_DIR, type HostSecrets } from './secrets/host-secrets.js';
import { secretMountsInPlace } from './secrets/secret-dir.js';
import { Suspension } from './reconciler/suspension.js';
import { Outbox } from './store/outbox.js';
import type { ObserveDeps } from './observe/observe.js';
import type { DesiredState } from './desired/model.js';
import { dockerFromEnvironment } from './settings/load.js';

export interface App {
  settings: AgentSettings;
  logger: Logger;
  store: Store;
  engine: GuardedEngine;
  reconciler: Reconciler;
  status: StatusTracker;
  host: HostParts;
  /** The host's age identity and the loader's decryption of `.age` files (issue 13). */
  secrets: HostSecrets;
  /** Where events go; the daemon replaces the target with the hub reporter. */
  events: ForwardingSink;
  /** How the hub link looks, for status; the daemon sets it when a hub is configured. */
  hubLink: { state: () => { url: string; connected: boolean; outbox: number } | null };
  /** Ends the engine child of the sync that just ended and a load child started ahead and not used (the daemon, after each sync). */
  releaseChildren(): Promise<void>;
  close(): void;
}

/**
 * An event sink whose target is set once the reporter exists. While `hold()` is in force (the
 * reporter is still loading), events wait in memory and reach the reporter, in order, on attach.
 */
export class ForwardingSink implements EventSink {
  private target: EventSink = NO_EVENTS;
  private held: AgentEvent[] | null = null;

  hold(): void {
    this.held ??= [];
  }

  attach(target: EventSink): void {
    this.target = target;
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) target.emit(event);
  }

  emit(event: AgentEvent): void {
    if (this.held) this.held.push(event);
    else this.target.emit(event);
  }
}

export interface AppDeps {
  logger: Logger;
  nativeBinding?: string;
  /** Deadlines of engine calls; the defaults suit a real host. */
  engineTimeouts?: EngineTimeoutOptions;
  /** The transport, when the caller made it already (`moor agent` sends its first poll early). */
  source?: ConfigSource;
  /** Run the engine's writes in a child released after each sync (the daemon), not in this process. */
  engineInChild?: boolean;
  /** Parse, validate and normalise a new commit in a child (the daemon), not in this process. */
  loadInChild?: boolean;
}

export function createApp(settings: AgentSettings, deps: AppDeps): App {
  const logger = deps.logger;
  ensureStateDir(settings.stateDir);
  const now = (): Date => new Date();
  const db = openDatabase({ file: join(settings.stateDir, 'state.db'), nativeBinding: deps.nativeBinding });
  const store = new Store({ db, now });
  const events = new ForwardingSink();
  const engineOptions = {
    docker: settings.docker,
    registries: settings.registries,
    dockerConfigFile: settings.docker.configFile,
    // The project directories are a bind root too: a symlink a container plants in a data
    // directory must not lead another bind out of them. So is the tmpfs where the agent
    // itself places decrypted compose secrets, which it bind-mounts read-only.
    bindRoots: [...settings.policy.allowedBindRoots, settings.projectsDir, settings.secretsDir ?? DEFAULT_SECRETS_DIR],
    volumeBindOutsideRoots: settings.policy.allowPrivileged || allowOf(settings.policy).volumeBindOutsideRoots,
  };
  const writes = lazyDockerEngine({ ...engineOptions, ...(deps.engineInChild ? { child: engineChild({ command: engineChildCommand, init: engineOptions }) } : {}) });
  const engine = withTimeouts(
    writes,
    {
      now,
      onChange: (health) => {
        if (health.ok) {
          logger.info('the container engine answers again');
          events.emit({ type: 'engine.recovered' });
        } else {
          logger.error({ error: health.error }, 'the container engine is not answering');
          events.emit({ type: 'engine.unresponsive', error: { name: 'DockerError', code: 'ENGINE_NOT_ANSWERING', message: health.error ?? 'engine not answering', handling: 'retry' } });
        }
      },
    },
    deps.engineTimeouts ?? DEFAULT_ENGINE_TIMEOUTS,
  );
  const host = createHostParts(settings, { logger });
  const secrets = createHostSecrets({ stateDir: settings.stateDir, secretsDir: settings.secretsDir, materialise: true });
  const engineNotices = onceEngineNotices((message) => logger.warn(message));
  const commits = newCommitParts(settings, { logger, store, writes, secrets, verifyUnits: host.systemd !== undefined, loadInChild: deps.loadInChild === true, ...(deps.source ? { source: deps.source } : {}) });
  const reconciler = new Reconciler(
    {
      source: commits.source,
      engine,
      systemd: host.systemd,
      files: host.files,
      hostReader: host.reader,
      projects: createProjectDirs(),
      store,
      events,
      logger: logger.child({ component: 'reconciler' }),
      now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      loadDesired: async (dir) => {
        const desired = await commits.load(dir);
        await engineNotices(engine, desired.containers);
        return desired;
      },
      useStored: async (desired) => {
        if (!(await secretMountsInPlace(settings.secretsDir ?? DEFAULT_SECRETS_DIR, desired.containers))) return false;
        await engineNotices(engine, desired.containers);
        return true;
      },
      checkCommit: commits.checkCommit,
      unitInstall: unitsPolicyOf(settings.policy).install,
    },
    {
      host: settings.host,
      snapshotsDir: join(settings.stateDir, 'snapshots'),
      agentSecrets: settingsSecrets(settings),
      desiredKey: () => desiredStateKey({ policy: settings.policy, projectsDir: settings.projectsDir, secretsDir: settings.secretsDir ?? DEFAULT_SECRETS_DIR }),
      prune: settings.policy.prune,
      selfHeal: settings.policy.selfHeal,
      concurrency: settings.concurrency,
    },
  );
  const hubLink: App['hubLink'] = { state: () => null };
  const status = new StatusTracker(
    {
      store,
      engine,
      hostReader: host.reader,
      snapshots: reconciler.snapshots,
      suspension: reconciler.suspension,
      busy: () => reconciler.busy,
      hub: () => hubLink.state(),
      engineHealth: () => engine.health(),
    },
    { host: settings.host, version: VERSION, branch: settings.source.branch },
  );
  return {
    settings,
    logger,
    store,
    engine,
    reconciler,
    status,
    host,
    secrets,
    events,
    hubLink,
    releaseChildren: async () => {
      commits.release();
      await writes.release();
    },
    close: () => {
      commits.release();
      void writes.release();
      store.close();
    },
  };
}

interface NewCommitParts {
  /** The config source whose checkouts run in the checkout child. */
  source: ConfigSource;
  checkCommit: CommitGate;
  /** A new commit's tree to its desired state: in the load child for the daemon, else in process. */
  load: (dir: string) => Promise<DesiredState>;
  /** Ends a load child started ahead and not used. */
  release(): void;
}

/**
 * What a new commit goes through before it is planned: the checkout (and what git says of it for
 * the gate) in the checkout child, the gate, and the load. While the commit is checked out, the
 * engine child and the load child (when they are used) start, so that their start does not add to
 * the apply.
 */
function newCommitParts(
  settings: AgentSettings,
  deps: { logger: Logger; store: Store; writes: { prepare(): void }; secrets: HostSecrets; verifyUnits: boolean; loadInChild: boolean; source?: ConfigSource },
): NewCommitParts {
  const { logger, store } = deps;
  const sourceOptions = agentSourceOptions(settings.source, settings.stateDir);
  // A new commit is fetched and exported by a child process: the agent's own memory stays
  // flat whatever the commit holds (a 16 MB blob costs git several copies of it).
  const checkouts = checkoutInChild(deps.source ?? createConfigSource({ fs: nodeFs }, sourceOptions), {
    ...sourceOptions,
    command: checkoutChildCommand,
    applied: () => store.get('applied'),
    onDone: (report) => logger.info(report, 'checkout child done'),
  });
  const loadOptions = { policy: settings.policy, projectsDir: settings.projectsDir, knownSecrets: settingsSecrets(settings), verifyUnits: deps.verifyUnits };
  const onWarning = (w: ConfigProblem): void => logger.warn({ file: w.file, line: w.line, key: w.key }, w.message);
  // The daemon parses a new commit in a child, so that the loader never stays resident.
  const loads = deps.loadInChild
    ? loadInChild({
        command: loadChildCommand,
        request: { ...loadOptions, stateDir: settings.stateDir, secretsDir: settings.secretsDir ?? DEFAULT_SECRETS_DIR },
        onWarning,
        onDone: (report) => logger.info(report, 'load child done'),
      })
    : null;
  const source: ConfigSource = {
    head: () => checkouts.head(),
    checkout: (commit, destDir) => {
      deps.writes.prepare();
      loads?.prepare();
      return checkouts.checkout(commit, destDir);
    },
    stats: () => checkouts.stats(),
  };
  return {
    source,
    // Signature and rewind checks read git in the checkout child (source/commit-facts.ts).
    checkCommit: createCommitGate({ store, facts: checkouts.facts }, { verify: settings.source.verify, allowRewind: settings.source.allowRewind }),
    load: loads ? loads.load : (dir) => loadCommit(dir, { ...loadOptions, secrets: deps.secrets.repo, onWarning }),
    release: () => loads?.release(),
  };
}

// --- the smaller wirings of the verbs that do not build the whole agent --------------------

/** The state store alone (`moor history`, `moor suspend` without a running agent). */
export function openStore(settings: AgentSettings, deps: { nativeBinding?: string; now?: () => Date }): Store {
  ensureStateDir(settings.stateDir);
  const now = deps.now ?? ((): Date => new Date());
  return new Store({ db: openDatabase({ file: join(settings.stateDir, 'state.db'), nativeBinding: deps.nativeBinding }), now });
}

/**
 * The suspension of an agent that is not running: written to the state, and its event queued
 * in the outbox for the hub. `close` releases the database.
 */
export function offlineSuspension(settings: AgentSettings, deps: { nativeBinding?: string }): { suspension: Suspension; close(): void } {
  const now = (): Date => new Date();
  const store = openStore(settings, { nativeBinding: deps.nativeBinding, now });
  const outbox = new Outbox({ db: store.database, now }, { limit: settings.hub?.outboxLimit ?? 100_000 });
  const suspension = new Suspension({ store, events: { emit: (e) => void outbox.append(e) }, now });
  return { suspension, close: () => store.close() };
}

/**
 * What `moor plan --dir` looks at the host with: the engine (from agent.yaml, or DOCKER_HOST
 * when there is none) and, with settings, the systemd and file readers.
 */
export function createObserveParts(settings: AgentSettings | null, deps: { env: NodeJS.ProcessEnv; logger: Logger }): ObserveDeps {
  const docker = settings?.docker ?? dockerFromEnvironment(deps.env);
  const engine = withTimeouts(
    lazyDockerEngine({ docker, registries: settings?.registries ?? [], dockerConfigFile: docker.configFile }),
    { now: () => new Date() },
    DEFAULT_ENGINE_TIMEOUTS,
  );
  return { engine, hostReader: settings ? createHostParts(settings, { logger: deps.logger }).reader : undefined, projects: createProjectDirs() };
}
