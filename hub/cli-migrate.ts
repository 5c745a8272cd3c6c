// `moor hub migrate --from hub.db --to postgres://user@host:port/db [--password-file F]`: moves a
// SQLite hub's data into an empty PostgreSQL database (schema created there first). Thin.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SettingsError } from '../agent/contracts/errors.js';

export function registerMigrateCommand(hub: Command, deps: { print: (line: string) => void }): void {
  hub
    .command('migrate')
    .description('copy a SQLite hub database into an empty PostgreSQL one; refuses a target that holds hub data')
    .requiredOption('--from <file>', 'the SQLite hub database (hub.yaml\'s database: path)')
    .requiredOption('--to <url>', 'postgres://user@host:port/db (no password in it)')
    .option('--password-file <file>', "a file holding the PostgreSQL user's password")
    .action(async (opts: { from: string; to: string; passwordFile?: string }) => {
      const { isPostgresUrl, openPostgresStorage, openSqliteStorage } = await import('./storage/open.js');
      const { copyStorage } = await import('./storage/copy.js');
      if (!isPostgresUrl(opts.to)) throw problem('--to', 'expected postgres://user@host:port/db');
      if (new URL(opts.to).password !== '') throw problem('--to', 'the password goes in --password-file, not in the URL');
      const password = opts.passwordFile === undefined ? null : readPassword(opts.passwordFile);
      const from = openSqliteStorage(resolve(opts.from));
      try {
        const to = await openPostgresStorage(opts.to, password, 2);
        try {
          const counts = await copyStorage(from, to);
          for (const [table, n] of Object.entries(counts)) deps.print(`${table}\t${n}`);
          deps.print(`copied ${opts.from} to ${opts.to}`);
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
}

function readPassword(file: string): string {
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
  } catch (err) {
    throw problem('--password-file', `cannot read ${file}: ${(err as Error).message}`);
  }
  throw problem('--password-file', `${file} is empty`);
}

function problem(key: string, message: string): SettingsError {
  return new SettingsError([{ file: '(command line)', line: 0, key, message }]);
}
