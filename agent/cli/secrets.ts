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
  registerSecretsRepoCommands(secrets, run);
}

export function registerSecretsRepoCommands(secrets: Command, run: VerbRunner): void {
  const repoVerbs = () => import('./secrets-repo-verbs.js');
  secrets
    .command('encrypt')
    .description('encrypt FILE to the hosts HOST or SELECTOR names in hosts/*.yaml (writes FILE.age and .moor-recipients.yaml)')
    .requiredOption('--to <selector>', 'a host name or a label selector, e.g. role=db,site in (berlin,paris)')
    .option('--repo <dir>', 'fleet checkout', '.')
    .option('--out <file>', 'output (default FILE.age)')
    .option('--binary', 'binary age format instead of armored text')
    .argument('<file>', 'clear text file (keep it out of git)')
    .action(run(async (ctx, file: string, opts: { to: string; repo: string; out?: string; binary?: boolean }) => (await repoVerbs()).encryptVerb(ctx, file, opts)));
  secrets
    .command('rekey')
    .description("re-encrypt the repo's secrets whose hosts changed (needs an identity that can decrypt them)")
    .option('--repo <dir>', 'fleet checkout', '.')
    .option('--identity <file>', 'age identity file (default env MOOR_AGE_IDENTITY)')
    .action(run(async (ctx, opts: { repo: string; identity?: string }) => (await repoVerbs()).rekeyVerb(ctx, opts)));
  secrets
    .command('check')
    .description('say which hosts could not decrypt which file (offline, no private key)')
    .option('--repo <dir>', 'fleet checkout', '.')
    .action(run(async (ctx, opts: { repo: string }) => (await repoVerbs()).checkVerb(ctx, opts)));
}
