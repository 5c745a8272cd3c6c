// `moor hub` and its subcommands (`token add|revoke|list`, `user add|revoke|list`), registered on the caller's commander
// program. Thin: settings in, hub or store calls, lines out. No process.exit here.

import type { Command } from 'commander';
import type pino from 'pino';
import { SettingsError } from '../agent/contracts/errors.js';
import type { HubStore } from './store.js';

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
  const withDb: WithDb = async (cmd, fn) => {
    const [{ loadHubSettings }, { openHubDatabase }] = await Promise.all([import('./settings.js'), import('./db.js')]);
    const db = openHubDatabase(loadHubSettings(configOf(cmd)).database);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  /** `audit` records an agent token change made here, as the audit log's `cli:USER` from `local`. */
  const withStore = async <T>(cmd: Command, fn: (store: HubStore, newToken: () => string, audit: (action: string, target: string, result: string) => void) => T): Promise<T> => {
    const [{ HubStore: Store, newToken }, { AuthStore }] = await Promise.all([import('./store.js'), import('./store-auth.js')]);
    return withDb(cmd, (db) => {
      const auth = new AuthStore({ db });
      return fn(new Store({ db }), newToken, (action, target, result) =>
        auth.audit({ at: now().toISOString(), actor: cliActor(), role: 'admin', action, target, result, remote: 'local' }));
    });
  };

  const hub = program
    .command('hub')
    .description('run the fleet hub: agent websocket, JSON API, push webhook, alerts, /metrics, dashboard')
    .option('--config <file>', `hub settings (env MOOR_HUB_CONFIG, default ${DEFAULT_CONFIG})`)
    .action(async (_opts: unknown, cmd: Command) => {
      const [{ loadHubSettings }, { createHub }] = await Promise.all([import('./settings.js'), import('./server.js')]);
      const settings = loadHubSettings(configOf(cmd));
      const instance = createHub({ logger: deps.logger, now }, { settings });
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
      const secret = await withStore(cmd, (store, newToken, audit) => {
        const value = newToken();
        store.addToken(host, value, now());
        audit('token.add', host, 'created');
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
      const n = await withStore(cmd, (store, _newToken, audit) => {
        const count = store.revokeTokens(host);
        audit('token.revoke', host, `${count} revoked`);
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
  registerUserCommand(hub, { now, print, withDb });
  return hub;
}

function cliActor(): string {
  return `cli:${process.env['SUDO_USER'] ?? process.env['USER'] ?? 'unknown'}`;
}

type WithDb = <T>(cmd: Command, fn: (db: import('./db.js').HubDb) => T) => Promise<T>;

function registerUserCommand(hub: Command, deps: { now: () => Date; print: (line: string) => void; withDb: WithDb }): void {
  const { now, print, withDb } = deps;
  const auth = async <T>(cmd: Command, fn: (store: import('./store-auth.js').AuthStore, token: string) => T): Promise<T> => {
    const [{ AuthStore }, { newToken }] = await Promise.all([import('./store-auth.js'), import('./store.js')]);
    return withDb(cmd, (db) => fn(new AuthStore({ db }), newToken()));
  };
  const actor = cliActor();
  const record = (store: import('./store-auth.js').AuthStore, action: string, target: string, result: string): void =>
    store.audit({ at: now().toISOString(), actor, role: 'admin', action, target, result, remote: 'local' });
  const user = hub.command('user').description('manage the operators who use the API and the dashboard');
  user
    .command('add <name>')
    .description('create an operator and print its API token (alone, on the last line); it is stored hashed')
    .requiredOption('--role <role>', 'viewer (reads), operator (also syncs), admin (also manages users and agent tokens)')
    .option('--config <file>', 'hub settings')
    .action(async (name: string, opts: { role: string }, cmd: Command) => {
      const { isRole } = await import('./store-auth.js');
      const { USER_NAME } = await import('./http-admin.js');
      if (!USER_NAME.test(name)) throw new SettingsError([{ file: '(command line)', line: 0, key: 'NAME', message: `"${name}" is not a valid user name` }]);
      const role = opts.role;
      if (!isRole(role)) throw new SettingsError([{ file: '(command line)', line: 0, key: '--role', message: 'must be viewer, operator or admin' }]);
      const token = await auth(cmd, (store, value) => {
        if (store.users().some((u) => u.name === name)) throw new SettingsError([{ file: '(command line)', line: 0, key: 'NAME', message: `${name} exists: revoke it first` }]);
        store.addUser(name, role, value, now());
        record(store, 'user.add', name, role);
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
      const removed = await auth(cmd, (store) => {
        const ok = store.revokeUser(name);
        record(store, 'user.revoke', name, ok ? 'revoked' : 'unknown');
        return ok;
      });
      print(removed ? `revoked ${name}` : `no user ${name}`);
    });
  user
    .command('list')
    .description('operators: name, role, created, source (token, or oidc with issuer, subject and last login)')
    .option('--config <file>', 'hub settings')
    .action(async (_opts: unknown, cmd: Command) => {
      const { tokens, oidc } = await auth(cmd, (store) => ({ tokens: store.users(), oidc: store.oidcUsers() }));
      for (const u of tokens) print(`${u.name}\t${u.role}\t${u.created}\ttoken`);
      for (const u of oidc) print(`${u.name}\t${u.role}\t${u.created}\toidc ${u.issuer} ${u.subject}\tlast login ${u.lastLogin}${u.revoked ? `\trevoked ${u.revoked}` : ''}`);
    });
}
