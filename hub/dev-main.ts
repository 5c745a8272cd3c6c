// A tiny entry for running the hub on its own (tests, benchmarks) until and besides agent/main.ts:
// `node build/hub/dev-main.js hub --config hub.yaml`. The only process.exit of the hub side.

import { Command } from 'commander';
import pino from 'pino';
import { formatProblem, MoorError, SettingsError } from '../agent/contracts/errors.js';
import { registerHubCommand } from './cli.js';

const logger = pino({ level: process.env['MOOR_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
const program = new Command('moor').exitOverride();
registerHubCommand(program, { logger });
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof SettingsError) {
    for (const problem of err.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.exit(2);
  }
  if (err instanceof MoorError) {
    process.stderr.write(`moor: ${err.message}\n`);
    process.exit(err.code === 'INVALID_SETTINGS' ? 2 : 1);
  }
  if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number') process.exit(err.exitCode);
  throw err;
}
