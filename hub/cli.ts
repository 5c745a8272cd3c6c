// `moor hub` and its subcommands (`token add|revoke|list`, `user add|revoke|list`), registered on the caller's commander
// program. Thin: settings in, hub or store calls, lines out. No process.exit here.

import type { Command } from 'commander';
import type pino from 'pino';
import { SettingsError } from '../agent/contracts/errors.js';
import { registerMigrateCommand } from './cli-migrate.js';
import type { AuthStorage, HostStorage, HubStorage } from './storage/port.js';

export interface HubCommandDeps {
  logger: pino.Logger;
  now?: () => Date;
  /** Where command output goes (one line per call); defaults to stdout. */
  print?: (line: string) => void;
}

const DEFAULT_CONFIG = '/etc/moor/hub.yaml';
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function configOf(cmd: Command): string {
  const value = cmd.optsWithGlobals()['config'];
  return typeof value === 'string' ? value : process.env['MOOR_HUB_CONFIG'] ?? DEFAULT_CONFIG;
}

function checkHost(host: string): void {
  if (!HOST_NAME.test(host)) {
    throw new SettingsError([{ file: '(command line)', line: 0, key: 'HOST', message: `"${host}" is not a valid host name` }]);
  }
}

export function registerHubCommand(program: Command, deps: HubCommandDeps): Command {
  const now = deps.now ?? (() => new Date());
  const print = deps.print ?? ((line: string) => void process.stdout.write(line + '\n'));
  // The hub's modules load only when a hub verb runs: the agent never pays for them.
  const withStorage: WithStorage = async (cmd, fn) => {
    const [{ loadHubSettings }, { openHubStorage }] = await Promise.all([import('./settings.js'), import('./storage/open.js')]);
    const settings = loadHubSettings(configOf(cmd));
    const storage = await openHubStorage({ database: settings.database, password: settings.databasePassword });
    try {
      return await fn(storage);
    } finally {
      await storage.close();
    }
  };
  /** `audit` records an agent token change made here, as the audit log's `cli:USER` from `local`. */
  const withStore = async <T>(cmd: Command, fn: (store: HostStorage, newToken: () => string, audit: (action: string, target: string, result: string) => Promise<void>) => Promise<T>): Promise<T> => {
    const { newToken } = await import('./storage/host-queries.js');
    return withStorage(cmd, (storage) => fn(storage.hosts, newToken, (action, target, result) =>
      storage.auth.audit({ at: now().toISOString(), actor: cliActor(), role: 'admin', action, target, result, remote: 'local' })));
  };

  const hub = program
    .command('hub')
    .description('run the fleet hub: agent websocket, JSON API, push webhook, alerts, /metrics, dashboard')
    .option('--config <file>', `hub settings (env MOOR_HUB_CONFIG, default ${DEFAULT_CONFIG})`)
    .action(async (_opts: unknown, cmd: Command) => {
      const [{ loadHubSettings }, { createHub }] = await Promise.all([import('./settings.js'), import('./server.js')]);
      const settings = loadHubSettings(configOf(cmd));
      const instance = await createHub({ logger: deps.logger, now }, { settings });
      await instance.start();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.off('SIGTERM', done);
          process.off('SIGINT', done);
          resolve();
        };
        process.on('SIGTERM', done);
        process.on('SIGINT', done);
      });
      await instance.stop();
    });

  const token = hub.command('token').description('manage the bearer tokens agents use to connect');
  token
    .command('add <host>')
    .description('create a token for HOST and print it (alone, on the last line); it is stored hashed')
    .option('--config <file>', 'hub settings')
    .action(async (host: string, _opts: unknown, cmd: Command) => {
      checkHost(host);
      const secret = await withStore(cmd, async (store, newToken, audit) => {
        const value = newToken();
        await store.addToken(host, value, now());
        await audit('token.add', host, 'created');
        return value;
      });
      print(`token for ${host} (shown once; put it in the agent's hub.tokenFile):`);
      print(secret);
    });
  token
    .command('revoke <host>')
    .description("remove every token of HOST; its live connection ends within one ping period")
    .option('--config <file>', 'hub settings')
    .action(async (host: string, _opts: unknown, cmd: Command) => {
      checkHost(host);
      const n = await withStore(cmd, async (store, _newToken, audit) => {
        const count = await store.revokeTokens(host);
        await audit('token.revoke', host, `${count} revoked`);
        return count;
      });
      print(n > 0 ? `revoked ${n} token(s) of ${host}` : `${host} had no token`);
    });
  token
    .command('list')
    .description('hosts that have tokens')
    .option('--config <file>', 'hub settings')
    .action(async (_opts: unknown, cmd: Command) => {
      for (const t of await withStore(cmd, (store) => store.listTokens())) print(`${t.host}\t${t.tokens}\t${t.created}`);
    });
  registerUserCommand(hub, { now, print, withStorage });
  registerMigrateCommand(hub, { print });
  return hub;
}

function cliActor(): string {
  return `cli:${process.env['SUDO_USER'] ?? process.env['USER'] ?? 'unknown'}`;
}

type WithStorage = <T>(cmd: Command, fn: (storage: HubStorage) => Promise<T>) => Promise<T>;

function registerUserCommand(hub: Command, deps: { now: () => Date; print: (line: string) => void; withStorage: WithStorage }): void {
  const { now, print, withStorage } = deps;
  const auth = async <T>(cmd: Command, fn: (store: AuthStorage, token: string) => Promise<T>): Promise<T> => {
    const { newToken } = await import('./storage/host-queries.js');
    return withStorage(cmd, (storage) => fn(storage.auth, newToken()));
  };
  const actor = cliActor();
  const record = (store: AuthStorage, action: string, target: string, result: string): Promise<void> =>
    store.audit({ at: now().toISOString(), actor, role: 'admin', action, target, result, remote: 'local' });
  const user = hub.command('user').description('manage the operators who use the API and the dashboard');
  user
    .command('add <name>')
    .description('create an operator and print its API token (alone, on the last line); it is stored hashed')
    .requiredOption('--role <role>', 'viewer (reads), operator (also syncs), admin (also manages users and agent tokens)')
    .option('--config <file>', 'hub settings')
    .action(async (name: string, opts: { role: string }, cmd: Command) => {
      const { isRole } = await import('./roles.js');
      const { USER_NAME } = await import('./http-admin.js');
      if (!USER_NAME.test(name)) throw new SettingsError([{ file: '(command line)', line: 0, key: 'NAME', message: `"${name}" is not a valid user name` }]);
      const role = opts.role;
      if (!isRole(role)) throw new SettingsError([{ file: '(command line)', line: 0, key: '--role', message: 'must be viewer, operator or admin' }]);
      const token = await auth(cmd, async (store, value) => {
        if ((await store.users()).some((u) => u.name === name)) throw new SettingsError([{ file: '(command line)', line: 0, key: 'NAME', message: `${name} exists: revoke it first` }]);
        await store.addUser(name, role, value, now());
        await record(store, 'user.add', name, role);
        return value;
      });
      print(`API token for ${name} (${role}; shown once; send it as "Authorization: Bearer TOKEN" or paste it on the login page):`);
      print(token);
    });
  user
    .command('revoke <name>')
    .description('remove an operator; its token and dashboard sessions stop working at once')
    .option('--config <file>', 'hub settings')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const removed = await auth(cmd, async (store) => {
        const ok = await store.revokeUser(name, now());
        await record(store, 'user.revoke', name, ok ? 'revoked' : 'unknown');
        return ok;
      });
      print(removed ? `revoked ${name}` : `no user ${name}`);
    });
  user
    .command('list')
    .description('operators: name, role, created, source (token, or oidc with issuer, subject and last login)')
    .option('--config <file>', 'hub settings')
    .action(async (_opts: unknown, cmd: Command) => {
      const { tokens, oidc } = await auth(cmd, async (store) => ({ tokens: await store.users(), oidc: await store.oidcUsers() }));
      for (const u of tokens) print(`${u.name}\t${u.role}\t${u.created}\ttoken`);
      for (const u of oidc) print(`${u.name}\t${u.role}\t${u.created}\toidc ${u.issuer} ${u.subject}\tlast login ${u.lastLogin}${u.revoked ? `\trevoked ${u.revoked}` : ''}`);
    });
}
