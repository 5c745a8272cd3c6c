// `moor secrets encrypt|rekey|check`: the fleet repo side of secrets, for the people who write it.

import { readFile } from 'node:fs/promises';
import { formatProblem, MoorError } from '../contracts/errors.js';
import { checkRecipients, encryptForHosts, rekeyRepo } from '../secrets/repo-tools.js';
import { EXIT, printJson, reportError, type CliContext, type ExitCode } from './context.js';

async function guarded(ctx: CliContext, fn: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await fn();
  } catch (err) {
    return err instanceof MoorError || (err instanceof Error && 'code' in err) ? reportError(ctx, err) : Promise.reject(err);
  }
}

export function encryptVerb(ctx: CliContext, file: string, opts: { to: string; repo: string; out?: string; binary?: boolean }): Promise<ExitCode> {
  return guarded(ctx, async () => {
    const r = await encryptForHosts({ repo: opts.repo, to: opts.to, file, out: opts.out, armor: opts.binary !== true });
    if (ctx.json) printJson(ctx, r);
    else {
      ctx.out(`${r.out}: encrypted to ${r.hosts.join(', ')} (${r.recipients.length} recipients)`);
      ctx.err(`keep ${file} out of git`);
    }
    return EXIT.ok;
  });
}

export function rekeyVerb(ctx: CliContext, opts: { repo: string; identity?: string }): Promise<ExitCode> {
  return guarded(ctx, async () => {
    const identityFile = opts.identity ?? ctx.env.MOOR_AGE_IDENTITY;
    const identities = identityFile
      ? (await readFile(identityFile, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'))
      : [];
    const r = await rekeyRepo({ repo: opts.repo, identities });
    if (ctx.json) printJson(ctx, r);
    else {
      for (const f of r.rekeyed) ctx.out(`${f}: re-encrypted`);
      ctx.out(`${r.rekeyed.length} re-encrypted, ${r.unchanged.length} unchanged`);
    }
    return EXIT.ok;
  });
}

export function checkVerb(ctx: CliContext, opts: { repo: string }): Promise<ExitCode> {
  return guarded(ctx, async () => {
    const problems = await checkRecipients(opts.repo);
    if (ctx.json) printJson(ctx, { valid: problems.length === 0, problems });
    else if (problems.length === 0) ctx.out(`${opts.repo}: every host can decrypt the secrets it is meant for`);
    else for (const p of problems) ctx.out(formatProblem(p));
    return problems.length === 0 ? EXIT.ok : EXIT.failed;
  });
}
