// Declares `moor fleet render|check|plan|publish`; the work is loaded only when one runs.

import type { Command } from 'commander';
import type { CliContext, ExitCode } from './context.js';
import type { FleetCliOptions } from './fleet.js';

type Runner = (fn: (ctx: CliContext, ...args: never[]) => Promise<ExitCode>) => (...args: unknown[]) => Promise<void>;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerFleetCommand(program: Command, run: Runner): void {
  const fleet = program.command('fleet').description('render the fleet branch onto the host branches');
  const verb = (name: string, description: string): Command =>
    fleet
      .command(name)
      .description(description)
      .option('--repo <dir>', 'checkout of the fleet branch', '.')
      .option('--policy <file>', "an agent.yaml whose policy the rendered trees must pass (default: the default policy)");
  const remote = (cmd: Command): Command =>
    cmd
      .option('--hosts <selector>', 'only hosts whose labels match, e.g. "role=camera,site in (berlin,paris)"')
      .option('--remote <url>', "where the host branches live (default: the checkout's origin)")
      .option('--username <name>', 'https: user name sent with the token', 'git')
      .option('--password-file <file>', 'https: file holding the password or token')
      .option('--ssh-key <file>', 'ssh: private key file')
      .option('--known-hosts <file>', 'ssh: known_hosts file');
  const go = (name: 'render' | 'check' | 'plan' | 'publish') =>
    run(async (ctx, opts: FleetCliOptions) => (await import('./fleet.js')).fleetVerb(ctx, name, opts));

  verb('render', 'write each host tree to DIR/<host>/').requiredOption('--out <dir>', 'output folder').option('--host <host>', 'only this host').action(go('render'));
  verb('check', 'render and validate every host offline (exit 1 on any problem)').option('--hosts <selector>', 'only hosts whose labels match').action(go('check'));
  remote(verb('plan', 'which host branches would change and how (exit 3 when some would)')).action(go('plan'));
  remote(verb('publish', 'one fast-forward commit per changed host branch'))
    .option('--sign-key <file>', 'SSH-sign the commits with this ed25519 private key')
    .option('--force-host <host>', 'take over a host branch changed by hand (repeatable)', collect, [])
    .action(go('publish'));
}
