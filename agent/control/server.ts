// The agent's local control socket (0600, in the state dir): `moor sync|status|plan|suspend|resume`
// talk to the running daemon through it.

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { toMoorError } from '../contracts/errors.js';
import type { Logger } from '../logger.js';
import { parseControlRequest, type ControlRequest, type ControlResponse } from '../contracts/control-protocol.js';

export type ControlHandler = (request: ControlRequest) => Promise<unknown>;

const MAX_REQUEST_BYTES = 64 * 1024;

export async function startControlServer(
  deps: { handle: ControlHandler; logger: Logger },
  options: { path: string },
): Promise<{ close(): Promise<void> }> {
  rmSync(options.path, { force: true });
  const server: Server = createServer((socket) => serve(socket, deps));
  // Restrictive umask while binding, so the socket is never briefly open to others.
  const mask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.path, () => resolve());
    });
  } finally {
    process.umask(mask);
  }
  chmodSync(options.path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(options.path, { force: true });
      }),
  };
}

function serve(socket: Socket, deps: { handle: ControlHandler; logger: Logger }): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_REQUEST_BYTES) {
      socket.destroy();
      return;
    }
    const nl = buffer.indexOf('\n');
    if (nl < 0) return;
    const request = parseControlRequest(buffer.slice(0, nl));
    socket.removeAllListeners('data');
    if (!request) {
      reply(socket, { ok: false, error: { code: 'BAD_REQUEST', message: 'unknown control request' } });
      return;
    }
    deps.handle(request).then(
      (result) => reply(socket, { ok: true, result }),
      (err: unknown) => {
        const e = toMoorError(err);
        deps.logger.warn({ verb: request.verb, err: e.toJSON() }, 'control request failed');
        reply(socket, { ok: false, error: { code: e.code, message: e.message } });
      },
    );
  });
}

function reply(socket: Socket, response: ControlResponse): void {
  socket.end(`${JSON.stringify(response)}\n`);
}
