// `moor history`: revisions seen and applies, newest first, with each apply's changes.

import { join } from 'node:path';
import { openDatabase } from '../store/db.js';
import { Store } from '../store/store.js';
import { nativeBinding } from '../native.js';
import { ensureStateDir } from '../state-dir.js';
import { EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatHistory } from './format.js';

export async function historyVerb(ctx: CliContext, options: { limit: number }): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    ensureStateDir(settings.stateDir);
    const store = new Store({ db: openDatabase({ file: join(settings.stateDir, 'state.db'), nativeBinding: nativeBinding() }), now: () => new Date() });
    try {
      const revisions = store.revisions(options.limit);
      const applies = store.applies(options.limit, { withSteps: ctx.json });
      if (ctx.json) printJson(ctx, { revisions, applies });
      else ctx.out(formatHistory(revisions, applies));
    } finally {
      store.close();
    }
    return EXIT.ok;
  } catch (err) {
    reportError(ctx, err);
    return EXIT.ok;
  }
}
