// Entry of the engine child: runs the container engine's writes (through dockerode) for the agent
// that started it, for one sync, so that dockerode and what it loads (about 10 MB: ssh2, grpc,
// protobufjs) are given back to the system when the sync is over. Like main.ts for the CLI, this
// is the only place that ends the child's process.

import { MoorError } from '../../contracts/errors.js';
import { AnonymousVolumeCarry } from './anonymous-volumes.js';
import { connectDocker } from './connect.js';
import { createDockerEngine } from './dockerode-engine.js';
import type { EngineChildCall, EngineChildError, EngineChildInit, EngineChildReply } from './engine-child-protocol.js';
import { readEngineChildRequest } from './engine-child-requests.js';
import type { ContainerEngine } from './port.js';

interface Engine {
  engine: ContainerEngine;
  carry: AnonymousVolumeCarry;
}

function start(init: EngineChildInit): Engine {
  const docker = connectDocker(init.docker);
  const carry = new AnonymousVolumeCarry(docker, init.carried);
  const engine = createDockerEngine({ docker, carry }, {
    registries: init.registries,
    dockerConfigFile: init.dockerConfigFile,
    ...(init.bindRoots ? { bindRoots: init.bindRoots } : {}),
    ...(init.volumeBindOutsideRoots !== undefined ? { volumeBindOutsideRoots: init.volumeBindOutsideRoots } : {}),
  });
  return { engine, carry };
}

/** Runs one call on the engine; the port's optional methods are all there in the dockerode adapter. */
async function run(engine: ContainerEngine, call: EngineChildCall): Promise<unknown> {
  const method = engine[call.method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
  if (!method) throw new MoorError('ENGINE_CHILD_METHOD', `the engine has no ${call.method}`, { handling: 'bug' });
  return method.apply(engine, call.args);
}

function errorOf(err: unknown): EngineChildError {
  if (err instanceof MoorError) return { code: err.code, message: err.message, handling: err.handling, ...(Object.keys(err.data).length > 0 ? { data: err.data } : {}) };
  return { code: 'ENGINE_CHILD_FAILED', message: err instanceof Error ? err.message : String(err), handling: 'bug' };
}

function send(reply: EngineChildReply, then?: () => void): void {
  process.send?.(reply, undefined, {}, () => then?.());
}

let current: Engine | null = null;
/** Calls still running: `end` waits for them (they were sent before it, and their sync waits for them). */
const inFlight = new Set<Promise<void>>();
// The agent that started it is gone: nothing it asked for is wanted any more (as after kill -9).
process.once('disconnect', () => process.exit(1));
process.on('message', (raw: unknown) => {
  const read = readEngineChildRequest(raw);
  if (!read.ok) return send({ type: 'refused', message: read.problem });
  const request = read.request;
  switch (request.type) {
    case 'init':
      current = start(request);
      return;
    case 'end':
      // Ending only once the calls sent before are answered and the reply is written.
      void Promise.all(inFlight).then(() => send({ type: 'ended', carried: current?.carry.entries() ?? [] }, () => process.exit(0)));
      return;
    case 'call': {
      const engine = current?.engine;
      if (!engine) return send({ type: 'failed', id: request.id, error: { code: 'ENGINE_CHILD_PROTOCOL', message: 'a call before init', handling: 'bug' } });
      const done = run(engine, request).then(
        (value) => send({ type: 'result', id: request.id, value }),
        (err: unknown) => send({ type: 'failed', id: request.id, error: errorOf(err) }),
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
      return;
    }
  }
});
if (!process.send) {
  process.stderr.write('moor: the engine child runs only when the agent starts it\n');
  process.exit(2);
}
