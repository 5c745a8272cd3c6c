// Entry of the load child: reads one commit's exported tree into its desired state for the agent
// that started it (load-child.ts). The loader, its parsers and schemas live only here, and their
// memory goes back to the system when the child ends. Like main.ts for the CLI, this is the only
// place that ends the child's process.

import { peakKb } from '../child-command.js';
import { toMoorError, type ConfigProblem } from '../contracts/errors.js';
import { loadRequestSchema, type LoadReply, type LoadRequest } from '../contracts/load-protocol.js';
import { createHostSecrets } from '../secrets/host-secrets.js';
import { loadCommit } from './load-commit.js';

async function load(request: LoadRequest): Promise<LoadReply> {
  const warnings: ConfigProblem[] = [];
  // The same identity and tmpfs as the agent's: the compose secrets a commit mounts are placed here.
  const secrets = createHostSecrets({ stateDir: request.stateDir, secretsDir: request.secretsDir, materialise: true });
  try {
    const state = await loadCommit(request.dir, {
      policy: request.policy,
      projectsDir: request.projectsDir,
      secrets: secrets.repo,
      knownSecrets: request.knownSecrets,
      verifyUnits: request.verifyUnits,
      onWarning: (w) => warnings.push(w),
    });
    return { type: 'loaded', state, warnings, peakKb: peakKb() };
  } catch (err) {
    // Classified as the agent classifies a load's error in process (a TypeError is a bug, a library's error a retry).
    const e = toMoorError(err, 'LOAD_FAILED');
    const error = { code: e.code, message: e.message, handling: e.handling, ...(Object.keys(e.data).length > 0 ? { data: e.data } : {}) };
    return { type: 'failed', error, warnings, peakKb: peakKb() };
  }
}

function send(reply: LoadReply): void {
  // Ending only once the reply is written: a closed channel would drop it.
  process.send?.(reply, undefined, {}, () => process.exit(0));
}

// Started ahead of its request (while the agent checks the commit out): the loader's modules load now.
void import('../desired/load.js');
// The agent that asked is gone: nobody will use this state.
process.once('disconnect', () => process.exit(1));
process.once('message', (raw: unknown) => {
  const parsed = loadRequestSchema().safeParse(raw);
  if (!parsed.success) {
    send({ type: 'failed', error: { code: 'LOAD_PROTOCOL', message: `bad load request: ${parsed.error.message}`, handling: 'bug' }, warnings: [], peakKb: peakKb() });
    return;
  }
  void load(parsed.data).then(send);
});
if (!process.send) {
  process.stderr.write('moor: the load child runs only when the agent starts it\n');
  process.exit(2);
}
