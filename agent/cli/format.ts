// Human-readable renderings of plans, status and history for the terminal.

import { formatProblem, type ConfigProblem } from '../contracts/errors.js';
import type { ResourceChange } from '../contracts/changes.js';
import { oneLine } from './terminal-safe.js';
import type { StatusSnapshot } from '../contracts/status-model.js';
import type { ApplyRecord, RevisionRecord } from '../store/store.js';

const SIGN: Record<ResourceChange['action'], string> = {
  create: '+',
  replace: '~',
  start: '>',
  restart: '~',
  update: '~',
  remove: '-',
  pull: '↓',
  keep: '=',
};

export function short(commit: string | null | undefined): string {
  return commit ? commit.slice(0, 12) : '-';
}

export function formatChanges(changes: readonly ResourceChange[], indent = ''): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(`${indent}${SIGN[c.action]} ${c.action} ${c.kind}/${oneLine(c.name)}: ${oneLine(c.why)}${c.drift ? ' [drift]' : ''}`);
    for (const f of c.fields) lines.push(`${indent}    ${oneLine(f.field)}: ${oneLine(f.from ?? '(unset)')} -> ${oneLine(f.to ?? '(unset)')}`);
  }
  return lines;
}

/** A config problem as `FILE:LINE: key: message`, on one line whatever its parts hold. */
export function formatProblemLine(p: ConfigProblem): string {
  return formatProblem({ file: oneLine(p.file), line: p.line, key: oneLine(p.key), message: oneLine(p.message) });
}

export function formatPlan(commit: string | null, plan: { steps: readonly unknown[]; changes: readonly ResourceChange[] }): string {
  if (plan.steps.length === 0) return `in sync with ${short(commit)}: nothing to change`;
  return [`plan for ${short(commit)}: ${plan.changes.length} change(s), ${plan.steps.length} step(s)`, ...formatChanges(plan.changes, '  ')].join('\n');
}

export function formatStatus(s: StatusSnapshot): string {
  const lines = [
    `host:      ${s.host} (branch ${s.branch}, moor ${s.version})`,
    `state:     ${s.state}`,
    `revision:  applied ${short(s.revision.applied)}, last good ${short(s.revision.lastGood)}, head ${short(s.revision.head)}`,
  ];
  if (s.lastSync) {
    const err = s.lastSync.error ? ` — ${oneLine(s.lastSync.error.message)}` : '';
    lines.push(`last sync: ${s.lastSync.at} ${s.lastSync.result} (${short(s.lastSync.commit)})${err}`);
  } else lines.push('last sync: never');
  if (s.source) lines.push(`git:       ${s.source.ok ? 'reachable' : `unreachable since ${s.source.at}: ${oneLine(s.source.error?.message ?? '')}`}`);
  if (s.suspended) lines.push(`suspended: until ${s.suspended.until}: ${oneLine(s.suspended.reason)}${s.suspended.by ? ` (by ${oneLine(s.suspended.by)})` : ''}`);
  if (s.pending) lines.push(`pending:   ${short(s.pending.commit)} until ${s.pending.until ?? 'the next window'}`);
  if (s.lastSync?.result === 'rollback-failed') lines.push(`verdict:   failed, rollback failed: the host runs neither commit fully; fix and push`);
  if (s.engine && !s.engine.ok) lines.push(`engine:    not answering since ${s.engine.since ?? '?'}: ${s.engine.error ?? ''}`);
  if (s.bugs && s.bugs.count > 0) lines.push(`bugs:      ${s.bugs.count} unexpected exception(s) in moor; last at ${s.bugs.last?.at ?? '?'}: ${s.bugs.last?.message ?? ''}`);
  if (s.hub) lines.push(`hub:       ${s.hub.url} ${s.hub.connected ? 'connected' : 'disconnected'}, ${s.hub.outbox} event(s) queued`);
  lines.push(`drift:     ${s.drift.length === 0 ? 'none' : s.drift.map((d) => `${oneLine(d.resource)} (${oneLine(d.detail)})`).join(', ')}`);
  lines.push('resources:');
  if (s.resources.length === 0) lines.push('  (none)');
  for (const r of s.resources) lines.push(`  ${r.kind}/${oneLine(r.name)}: ${r.health} — ${oneLine(r.detail)}`);
  return lines.join('\n');
}

export function formatHistory(revisions: RevisionRecord[], applies: ApplyRecord[]): string {
  const lines = ['revisions:'];
  for (const r of revisions) {
    const err = r.error ? ` — ${oneLine(r.error.message)}` : '';
    lines.push(`  ${short(r.commit)} ${r.verdict.padEnd(11)} ${oneLine(r.date)} ${oneLine(r.author)}: ${oneLine(firstLine(r.message))}${err}`);
  }
  lines.push('applies:');
  for (const a of applies) {
    const err = a.error ? ` — ${oneLine(a.error.message)}` : '';
    lines.push(`  #${a.id} ${a.startedAt} ${a.trigger.padEnd(8)} ${short(a.commit)} ${a.result}${err}`);
    lines.push(...formatChanges(a.changes, '      '));
  }
  return lines.join('\n');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
