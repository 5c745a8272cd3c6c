// `moor fleet rollout start|status|pause|resume|abort`: thin client of the hub's rollout API,
// with an operator's API token read from a file.

import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EXIT, printJson, type CliContext, type ExitCode } from './context.js';

export interface RolloutCliOptions {
  hub: string;
  tokenFile: string;
  commit?: string;
  repo?: string;
  hosts?: string;
  waves?: string;
  maxFailures?: string;
  waveTimeout?: string;
  pause?: string;
  maxUnavailable?: string;
  revert?: boolean;
  wait?: boolean;
  waitTimeout?: string;
}

export type RolloutVerb = 'start' | 'status' | 'pause' | 'resume' | 'abort';

interface RolloutView {
  id: number;
  status: string;
  fleetCommit: string;
  wave: number;
  waves: number;
  hosts: number | { host: string; phase: string; wave: number; reason: string }[];
  phases: Record<string, number>;
  haltReason: string | null;
  failures?: { host: string; phase: string; reason: string }[];
  timeline?: { at: string; text: string }[];
}

class HubCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubCallError';
  }
}

async function call(opts: RolloutCliOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = (await readFile(opts.tokenFile, 'utf8')).trim();
  const res = await fetch(new URL(path, opts.hub), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (!res.ok) {
    const error = typeof value === 'object' && value !== null && 'error' in value ? String(value.error) : text.slice(0, 300);
    throw new HubCallError(`hub answered ${res.status}: ${error}`);
  }
  return value;
}

function amount(text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();
}

async function startBody(opts: RolloutCliOptions): Promise<Record<string, unknown>> {
  let commit = opts.commit;
  if (commit === undefined && opts.repo !== undefined) {
    commit = (await promisify(execFile)('git', ['-C', opts.repo, 'rev-parse', 'HEAD'])).stdout.trim();
  }
  const body: Record<string, unknown> = { selector: opts.hosts ?? '' };
  if (commit !== undefined) body.commit = commit;
  if (opts.waves !== undefined) body.waves = opts.waves.split(',').map(amount);
  if (opts.maxFailures !== undefined) body.maxFailures = amount(opts.maxFailures);
  if (opts.waveTimeout !== undefined) body.waveTimeout = opts.waveTimeout;
  if (opts.pause !== undefined) body.pause = opts.pause;
  if (opts.maxUnavailable !== undefined) {
    const m = /^([^=\s]+)=(\d+)$/.exec(opts.maxUnavailable.trim());
    if (!m) throw new HubCallError(`--max-unavailable: expected LABEL=N, e.g. site=1 (got "${opts.maxUnavailable}")`);
    body.budget = { label: m[1], maxUnavailable: Number(m[2]) };
  }
  return body;
}

function print(ctx: CliContext, r: RolloutView): void {
  const phases = Object.entries(r.phases).filter(([, n]) => n > 0).map(([p, n]) => `${n} ${p}`).join(', ');
  ctx.out(`rollout ${r.id}: ${r.status}, wave ${r.wave}/${r.waves}, fleet commit ${r.fleetCommit.slice(0, 12)}: ${phases}`);
  if (r.haltReason) ctx.out(`  halted: ${r.haltReason}`);
  for (const f of r.failures ?? []) ctx.out(`  ${f.phase} ${f.host}: ${f.reason}`);
}

const FINAL = new Set(['completed', 'aborted', 'reverted', 'halted']);

async function waitUntilSettled(ctx: CliContext, opts: RolloutCliOptions, id: number): Promise<RolloutView> {
  const limit = Date.now() + (Number(opts.waitTimeout ?? '3600') * 1000);
  for (;;) {
    const r = (await call(opts, 'GET', `/api/rollouts/${id}`)) as RolloutView;
    if (FINAL.has(r.status) || Date.now() > limit) return r;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export async function rolloutVerb(ctx: CliContext, verb: RolloutVerb, id: string | undefined, opts: RolloutCliOptions): Promise<ExitCode> {
  try {
    let r: RolloutView;
    if (verb === 'start') r = (await call(opts, 'POST', '/api/rollouts', await startBody(opts))) as RolloutView;
    else if (verb === 'status' && id === undefined) {
      const list = (await call(opts, 'GET', '/api/rollouts')) as { rollouts: RolloutView[] };
      if (ctx.json) printJson(ctx, list);
      else for (const x of list.rollouts) print(ctx, x);
      return EXIT.ok;
    } else if (verb === 'status') r = (await call(opts, 'GET', `/api/rollouts/${id ?? ''}`)) as RolloutView;
    else r = (await call(opts, 'POST', `/api/rollouts/${id ?? ''}/${verb}`, verb === 'abort' ? { revert: opts.revert === true } : {})) as RolloutView;
    if (opts.wait) r = await waitUntilSettled(ctx, opts, r.id);
    else if (verb !== 'status') r = (await call(opts, 'GET', `/api/rollouts/${r.id}`)) as RolloutView;
    if (ctx.json) printJson(ctx, r);
    else print(ctx, r);
    return r.status === 'halted' && (verb === 'status' || opts.wait) ? EXIT.failed : EXIT.ok;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (ctx.json) printJson(ctx, { error: { message } });
    else ctx.err(`moor: ${message}`);
    return EXIT.failed;
  }
}
