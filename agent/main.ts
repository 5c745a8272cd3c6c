#!/usr/bin/env node
// moor's composition root and CLI entry: parses argv and env, dispatches to one verb, and is the
// only place that ends the process.

// First: it sets the daemon's V8 flags before any other module is evaluated.
import './resident-v8.js';
import { Command, CommanderError } from 'commander';
import { registerHubCommand } from '../hub/cli.js';
import { registerSecretsCommand } from './cli/secrets.js';
import { configFileFrom, EXIT, type CliContext, type ExitCode } from './cli/context.js';
import { registerFleetCommand } from './cli/fleet-command.js';
import { createLogger } from './logger.js';
import { BUILD, VERSION } from './version.js';
import { terminalSafe } from './cli/terminal-safe.js';

// Each verb's module is loaded only when that verb runs, so that the daemon does not carry the
// hub, the doctor or the other verbs in memory, and `moor version` starts at once.
const verbs = {
  agent: () => import('./cli/agent.js'),
  sync: () => import('./cli/sync.js'),
  plan: () => import('./cli/plan.js'),
  status: () => import('./cli/status.js'),
  history: () => import('./cli/history.js'),
  validate: () => import('./cli/validate.js'),
  suspend: () => import('./cli/suspend.js'),
  doctor: () => import('./cli/doctor.js'),
};

interface GlobalOptions {
  config?: string;
  json?: boolean;
}

async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = new Command();
  const context = (cmd: Command): CliContext => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    return {
      configFile: configFileFrom(opts.config, process.env),
      configGiven: opts.config !== undefined || (process.env.MOOR_CONFIG ?? '') !== '',
      json: opts.json === true,
      env: process.env,
      out: (text) => void process.stdout.write(`${terminalSafe(text)}\n`),
      err: (text) => void process.stderr.write(`${terminalSafe(text)}\n`),
    };
  };
  const run = (fn: (ctx: CliContext, ...args: never[]) => Promise<ExitCode>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      code = await (fn as (ctx: CliContext, ...rest: unknown[]) => Promise<ExitCode>)(context(cmd), ...args.slice(0, -1));
    };

  program
    .name('moor')
    .description('GitOps agent for Docker and systemd hosts')
    .option('--config <file>', 'agent settings (env MOOR_CONFIG, default /etc/moor/agent.yaml)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError();

  program.command('agent').description('run the daemon: poll, apply, self-heal, report').action(run(async (ctx) => (await verbs.agent()).agentVerb(ctx)));
  program
    .command('sync')
    .description('ask the running agent to sync now and wait (--once: fetch and apply in-process)')
    .option('--once', 'without a daemon: fetch and apply once')
    .action(run(async (ctx, opts: { once?: boolean }) => (await verbs.sync()).syncVerb(ctx, { once: opts.once === true })));
  program
    .command('plan')
    .description('show what would change and why (exit 3 when changes are pending)')
    .option('--dir <path>', 'plan a local config dir without fetching')
    .option('--offline', 'with --dir: plan against an empty host instead of the engine')
    .action(run(async (ctx, opts: { dir?: string; offline?: boolean }) => (await verbs.plan()).planVerb(ctx, { dir: opts.dir, offline: opts.offline === true })));
  program.command('status').description('revision, last sync, resources and their health, drift').action(run(async (ctx) => (await verbs.status()).statusVerb(ctx)));
  program
    .command('history')
    .description('revisions and applies, newest first')
    .option('--limit <n>', 'how many of each', '20')
    .action(run(async (ctx, opts: { limit: string }) => (await verbs.history()).historyVerb(ctx, { limit: Math.max(1, Number(opts.limit) || 20) })));
  program
    .command('validate')
    .description('check a config dir offline: FILE:LINE: message per problem')
    .argument('[dir]', 'config dir', '.')
    .action(run(async (ctx, dir: string) => (await verbs.validate()).validateVerb(ctx, dir)));
  program
    .command('suspend')
    .description('break-glass: pause applying and self-heal (expires by itself)')
    .option('--for <duration>', 'how long', '2h')
    .option('--reason <text>', 'why, shown upstream', 'break-glass')
    .action(run(async (ctx, opts: { for: string; reason: string }) => (await verbs.suspend()).suspendVerb(ctx, opts)));
  program.command('resume').description('end a suspension now').action(run(async (ctx) => (await verbs.suspend()).resumeVerb(ctx)));
  program.command('doctor').description('check that this host is ready for moor').action(run(async (ctx) => (await verbs.doctor()).doctorVerb(ctx)));
  program
    .command('version')
    .description('version and build')
    .action(
      run(async (ctx) => {
        ctx.out(ctx.json ? JSON.stringify({ version: VERSION, build: BUILD, node: process.version }) : `moor ${VERSION} (${BUILD}, node ${process.version})`);
        return EXIT.ok;
      }),
    );
  registerSecretsCommand(program, run);
  registerFleetCommand(program, run);
  registerHubCommand(program, { logger: createLogger({ level: process.env.MOOR_LOG_LEVEL ?? 'info' }) });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`moor: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
  return code;
}

main(process.argv).then(
  (code) => {
    // Exit explicitly: idle sockets (engine keep-alive, websockets) must not keep a verb alive.
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`moor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
