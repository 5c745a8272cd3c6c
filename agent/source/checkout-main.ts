// Entry of the checkout child: fetches and exports one commit for the agent that started it, so
// that the memory git needs for a large commit (isomorphic-git holds several copies of each big
// blob while it indexes and reads a pack) is given back to the system when the child ends; and
// reads what git says of the commit for the agent's commit gate (signature, rewind), so that the
// agent never loads isomorphic-git or openpgp. Like main.ts for the CLI, this is the only place
// that ends the child's process.

import * as nodeFs from 'node:fs';
import { checkoutRequestSchema, type CheckoutReply, type CheckoutRequest } from '../contracts/checkout-protocol.js';
import { MoorError } from '../contracts/errors.js';
import type { SourceSettings } from '../settings/model.js';
import { readCommitFacts, type CommitFacts } from './commit-facts.js';
import { createConfigSource, sourceGitDir } from './create-source.js';
import { fullCollection } from '../memory-reducer.js';
import { peakKb } from '../child-command.js';

type Request<T extends CheckoutRequest['type']> = Extract<CheckoutRequest, { type: T }>;

/** What git says of the commit for the gate: where the objects are, with the agent's verify settings. */
function factsOf(request: Request<'checkout'> | Request<'facts'>, applied: string | null): Promise<CommitFacts> {
  const { settings } = request;
  const gitDir = sourceGitDir({ fs: nodeFs }, { settings, gitDir: request.gitDir });
  return readCommitFacts({ fs: nodeFs }, { gitDir, verify: settings.verify, allowRewind: settings.allowRewind }, request.commit, applied);
}

async function checkout(request: Request<'checkout'>): Promise<CheckoutReply> {
  const settings: SourceSettings = request.settings;
  // A full collection between the fetch and the export: the fetch leaves tens of MB of garbage (the
  // inflated copies of a big blob) that V8 would otherwise still hold while the export inflates the
  // blob again (measured on a 16 MB blob: peak 165 MB without, 133 MB with).
  const options = { settings, gitDir: request.gitDir, afterFetch: fullCollection, ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}) };
  const revision = await createConfigSource({ fs: nodeFs }, options).checkout(request.commit, request.destDir);
  if (request.factsAgainst === undefined) return { type: 'checked-out', revision, peakKb: peakKb() };
  return { type: 'checked-out', revision, facts: await factsOf(request, request.factsAgainst), peakKb: peakKb() };
}

async function answer(request: CheckoutRequest): Promise<CheckoutReply> {
  try {
    if (request.type === 'facts') return { type: 'facts', facts: await factsOf(request, request.applied), peakKb: peakKb() };
    return await checkout(request);
  } catch (err) {
    const error =
      err instanceof MoorError
        ? { code: err.code, message: err.message, handling: err.handling, data: err.data }
        : { code: 'CHECKOUT_FAILED', message: err instanceof Error ? err.message : String(err), handling: 'bug' as const };
    return { type: 'failed', error, peakKb: peakKb() };
  }
}

function send(reply: CheckoutReply): void {
  // Ending only once the reply is written: a closed channel would drop it.
  process.send?.(reply, undefined, {}, () => process.exit(0));
}

// The agent that asked is gone: nobody will use this checkout.
process.once('disconnect', () => process.exit(1));
process.once('message', (raw: unknown) => {
  const parsed = checkoutRequestSchema().safeParse(raw);
  if (!parsed.success) {
    send({ type: 'failed', error: { code: 'CHECKOUT_PROTOCOL', message: `bad checkout request: ${parsed.error.message}`, handling: 'bug' }, peakKb: peakKb() });
    return;
  }
  void answer(parsed.data).then(send);
});
if (!process.send) {
  process.stderr.write('moor: the checkout child runs only when the agent starts it\n');
  process.exit(2);
}
