// `moor fleet render|check|plan|publish`: thin glue between the command line and fleet/; what
// only plan, publish or check use is loaded when they run, so that render starts sooner.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { formatProblem, SettingsError } from '../contracts/errors.js';
import { defaultPolicy } from '../desired/default-policy.js';
import type { PolicySettings } from '../settings/model.js';
import { FleetInvalidError, loadFleet, renderChecked, type HostFilter, type LoadedFleet } from '../../fleet/fleet.js';
import { writeTrees } from '../../fleet/render-out.js';
import { FleetGitError, remoteEnv, systemGit, type Git } from '../../fleet/git.js';
import { parseSelector, SelectorSyntaxError } from '../../fleet/selector.js';
import { EXIT, printJson, reportError, type CliContext, type ExitCode } from './context.js';
import { formatProblemLine } from './format.js';

export interface FleetCliOptions {
  repo: string;
  policy?: string;
  out?: string;
  host?: string;
  hosts?: string;
  remote?: string;
  username?: string;
  passwordFile?: string;
  sshKey?: string;
  knownHosts?: string;
  signKey?: string;
  forceHost?: string[];
}

type Verb = 'render' | 'check' | 'plan' | 'publish';

async function policyFrom(file: string | undefined, ctx: CliContext): Promise<PolicySettings> {
  if (file === undefined) return defaultPolicy();
  const { loadSettings } = await import('../settings/load.js');
  return (await loadSettings(file, { env: ctx.env, hostname: hostname() })).policy;
}

async function remoteOf(git: Git, opts: FleetCliOptions): Promise<string> {
  if (opts.remote) return existsSync(opts.remote) ? path.resolve(opts.remote) : opts.remote;
  return (await git.run(['-C', opts.repo, 'remote', 'get-url', 'origin'])).stdout.trim();
}

export async function fleetVerb(ctx: CliContext, verb: Verb, opts: FleetCliOptions): Promise<ExitCode> {
  try {
    const policy = await policyFrom(opts.policy, ctx);
    const filter: HostFilter = { host: opts.host, selector: opts.hosts === undefined ? undefined : parseSelector(opts.hosts) };
    const loaded = await loadFleet(opts.repo);
    if (verb === 'render') return await renderVerb(ctx, opts, loaded, filter, policy);
    const hosts = await renderChecked(loaded, filter, policy);
    if (verb === 'check') {
      // Secrets: every .age file must be encrypted to each host it is for (no private key needed).
      const { checkRecipients } = await import('../secrets/repo-tools.js');
      const secrets = await checkRecipients(opts.repo);
      if (ctx.json) printJson(ctx, { valid: secrets.length === 0, hosts: hosts.map((h) => h.host), problems: secrets });
      else if (secrets.length > 0) for (const p of secrets) ctx.out(formatProblemLine(p));
      else ctx.out(`${hosts.length} host(s) valid: ${hosts.map((h) => h.host).join(', ')}`);
      return secrets.length === 0 ? EXIT.ok : EXIT.failed;
    }
    return await remoteVerb(ctx, verb, opts, loaded, hosts, policy);
  } catch (err) {
    return reportFleetError(ctx, err);
  }
}

/** Renders, validates every host's tree as the agent would (or fails naming host, FILE:LINE and key), writes DIR/<host>/. */
async function renderVerb(ctx: CliContext, opts: FleetCliOptions, loaded: LoadedFleet, filter: HostFilter, policy: PolicySettings): Promise<ExitCode> {
  const hosts = await renderChecked(loaded, filter, policy);
  const out = opts.out ?? 'rendered';
  writeTrees(out, hosts);
  if (ctx.json) printJson(ctx, { out, validated: hosts.length, hosts: hosts.map((h) => ({ host: h.host, branch: h.branch, groups: h.groups, stacks: h.stacks })) });
  else {
    for (const h of hosts) ctx.out(`${path.join(out, h.host)}: groups ${h.groups.join(', ') || '-'}; stacks ${h.stacks.join(', ') || '-'}`);
    ctx.out(`${hosts.length} host tree(s) validated and written`);
  }
  return EXIT.ok;
}

async function remoteVerb(ctx: CliContext, verb: 'plan' | 'publish', opts: FleetCliOptions, loaded: LoadedFleet, hosts: Awaited<ReturnType<typeof renderChecked>>, policy: PolicySettings): Promise<ExitCode> {
  const git = systemGit();
  const remote = await remoteOf(git, opts);
  const env = await remoteEnv({ username: opts.username, passwordFile: opts.passwordFile, sshKeyFile: opts.sshKey, knownHostsFile: opts.knownHosts });
  const template = loaded.fleet.hostBranch;
  if (verb === 'plan') {
    const { planFleet } = await import('../../fleet/plan.js');
    const { formatSummary } = await import('../../fleet/diff.js');
    const plan = await planFleet(git, hosts, { remote, remoteEnv: env, hostBranchTemplate: template, policy });
    const changed = plan.hosts.filter((h) => h.changes.length > 0);
    if (ctx.json) printJson(ctx, plan);
    else {
      for (const h of changed) {
        ctx.out(`${h.host} (${h.branch})${h.state === 'hand-edited' ? ' [changed by hand since the last publish: publish skips it without --force-host]' : ''}:`);
        for (const c of h.changes) ctx.out(`  ~ ${c.detail}`);
      }
      ctx.out(changed.length === 0 ? `${hosts.length} host(s): nothing would change` : `${changed.length} of ${hosts.length} host(s) would change: ${formatSummary(plan.summary)}`);
    }
    return changed.length === 0 ? EXIT.ok : EXIT.changes;
  }
  const dirty = await git.run(['-C', opts.repo, 'status', '--porcelain', '--', 'fleet.yaml', 'stacks', 'hosts']);
  if (dirty.stdout.trim() !== '') {
    ctx.err('moor: the fleet checkout has uncommitted changes (fleet.yaml, stacks/, hosts/): commit them first, so host branches name a real fleet commit');
    return EXIT.failed;
  }
  const { publishFleet, readFleetCommit } = await import('../../fleet/publish.js');
  const fleetCommit = await readFleetCommit(git, opts.repo);
  const results = await publishFleet(git, hosts, {
    remote,
    remoteEnv: env,
    fleetCommit,
    hostBranchTemplate: template,
    signKeyFile: opts.signKey ? path.resolve(opts.signKey) : null,
    forceHosts: new Set(opts.forceHost ?? []),
  });
  if (ctx.json) printJson(ctx, { fleetCommit: fleetCommit.id, hosts: results });
  else {
    for (const r of results) if (r.status !== 'unchanged') ctx.out(`${r.status.padEnd(11)} ${r.branch}${r.commit ? ` ${r.commit.slice(0, 12)}` : ''}: ${r.detail}`);
    const count = (s: string): number => results.filter((r) => r.status === s).length;
    ctx.out(`fleet commit ${fleetCommit.id.slice(0, 12)}: ${count('published') + count('created')} published, ${count('unchanged')} unchanged, ${count('hand-edited')} left alone (changed by hand), ${count('rejected')} refused`);
  }
  return results.some((r) => r.status === 'hand-edited' || r.status === 'rejected') ? EXIT.failed : EXIT.ok;
}

function reportFleetError(ctx: CliContext, err: unknown): ExitCode {
  const problems = err instanceof FleetInvalidError || err instanceof SettingsError ? err.problems : null;
  if (problems) {
    if (ctx.json) printJson(ctx, { valid: false, problems });
    else for (const p of problems) ctx.err(formatProblem(p));
    return EXIT.failed;
  }
  if (err instanceof SelectorSyntaxError || err instanceof FleetGitError) {
    if (ctx.json) printJson(ctx, { error: { code: err.code, message: err.message } });
    else ctx.err(`moor: ${err.message}`);
    return err instanceof SelectorSyntaxError ? EXIT.usage : EXIT.failed;
  }
  return reportError(ctx, err);
}
