// `moor history`: revisions seen and applies, newest first, with each apply's changes.

import { openStore } from '../app.js';
import { nativeBinding } from '../sqlite/native.js';
import { EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatHistory } from './format.js';

export async function historyVerb(ctx: CliContext, options: { limit: number }): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    const store = openStore(settings, { nativeBinding: nativeBinding() });
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
    return reportError(ctx, err);
  }
}
