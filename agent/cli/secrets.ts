// `moor secrets init|recipient|encrypt|rekey|check`, registered on the caller's commander program.
// Thin: each subcommand loads its work from secrets-verbs.ts only when it runs.

import type { Command } from 'commander';
import type { CliContext, ExitCode } from './context.js';

export type VerbRunner = (fn: (ctx: CliContext, ...args: never[]) => Promise<ExitCode>) => (...args: unknown[]) => Promise<void>;

const verbs = () => import('./secrets-verbs.js');

export function registerSecretsCommand(program: Command, run: VerbRunner): void {
  const secrets = program.command('secrets').description("this host's age identity, and encrypting a fleet repo's secrets to its hosts");
  secrets
    .command('init')
    .description("create this host's age identity in the state dir (the agent does it on first start)")
    .option('--state-dir <dir>', 'state dir (default: agent.yaml stateDir)')
    .action(run(async (ctx, opts: { stateDir?: string }) => (await verbs()).initVerb(ctx, opts)));
  secrets
    .command('recipient')
    .description("print this host's age recipient (age1...), for ageRecipient in hosts/<host>.yaml")
    .option('--state-dir <dir>', 'state dir (default: agent.yaml stateDir)')
    .action(run(async (ctx, opts: { stateDir?: string }) => (await verbs()).recipientVerb(ctx, opts)));
}
