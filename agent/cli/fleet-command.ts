// Declares `moor fleet render|check|plan|publish`; the work is loaded only when one runs.

import type { Command } from 'commander';
import type { CliContext, ExitCode } from './context.js';
import type { FleetCliOptions } from './fleet.js';
import type { RolloutCliOptions, RolloutVerb } from './fleet-rollout.js';

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

  verb('render', 'write each host tree to DIR/<host>/ (each validated as the agent would; exit 1 naming host, FILE:LINE and key)').requiredOption('--out <dir>', 'output folder').option('--host <host>', 'only this host').action(go('render'));
  verb('check', 'render and validate every host offline (exit 1 on any problem)').option('--hosts <selector>', 'only hosts whose labels match').action(go('check'));
  remote(verb('plan', 'which host branches would change and how (exit 3 when some would)')).action(go('plan'));
  remote(verb('publish', 'one fast-forward commit per changed host branch'))
    .option('--sign-key <file>', 'SSH-sign the commits with this ed25519 private key')
    .option('--force-host <host>', 'take over a host branch changed by hand (repeatable)', collect, [])
    .action(go('publish'));
  registerRolloutCommand(fleet, run);
}

function registerRolloutCommand(fleet: Command, run: Runner): void {
  const rollout = fleet.command('rollout').description('a progressive rollout run by the hub (start, status, pause, resume, abort)');
  const verb = (name: RolloutVerb, args: string, description: string): Command =>
    rollout
      .command(`${name}${args}`)
      .description(description)
      .requiredOption('--hub <url>', 'the hub, e.g. https://hub.example.com:7070')
      .requiredOption('--token-file <file>', "file holding an operator's API token (moor hub user add)")
      .option('--wait', 'wait until the rollout completes, halts, or its revert converges')
      .option('--wait-timeout <seconds>', 'give up waiting after this long', '3600');
  const go = (name: RolloutVerb) =>
    run(async (ctx, ...args: never[]) => {
      const list: unknown[] = args;
      const first = list[0];
      const id = list.length > 1 && typeof first === 'string' ? first : undefined;
      const opts = list[list.length - 1] as RolloutCliOptions;
      return (await import('./fleet-rollout.js')).rolloutVerb(ctx, name, id, opts);
    });
  verb('start', '', 'start a rollout of a fleet commit to the selected hosts')
    .option('--commit <sha>', 'the fleet commit (default: HEAD of --repo, else the fleet branch head on the hub)')
    .option('--repo <dir>', 'checkout of the fleet branch whose HEAD is rolled out')
    .option('--hosts <selector>', 'only hosts whose labels match')
    .option('--waves <list>', 'cumulative wave sizes, e.g. 1,10%,50%,100% (default: fleet.yaml rollout.waves)')
    .option('--max-failures <n|p%>', 'failures allowed per wave (default: fleet.yaml)')
    .option('--wave-timeout <duration>', 'how long a host has to report the commit applied (default: fleet.yaml)')
    .option('--pause <duration>', 'pause between healthy waves (default: fleet.yaml)')
    .option('--max-unavailable <label=n>', 'disruption budget: at most n hosts per value of label updating or failed at once')
    .action(go('start'));
  verb('status', ' [id]', 'show one rollout, or list them').action(go('status'));
  verb('pause', ' <id>', 'stop starting new hosts; hosts already updating finish').action(go('pause'));
  verb('resume', ' <id>', 'continue a paused rollout').action(go('resume'));
  verb('abort', ' <id>', 'stop the rollout for good').option('--revert', 'put every host back on its previous tree with a new forward commit').action(go('abort'));
}
