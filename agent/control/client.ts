// Client side of the control socket, used by the CLI verbs to talk to a running agent.

import { connect } from 'node:net';
import { MoorError } from '../contracts/errors.js';
import type { ControlRequest, ControlResponse } from '../contracts/control-protocol.js';

/** Sends one request; null when no agent listens on the socket. */
export function callAgent(path: string, request: ControlRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let data = '';
    let connected = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) reject(new MoorError('NO_AGENT', `no agent is listening on ${path}`, { cause: err }));
      else reject(new MoorError('CONTROL_FAILED', `lost the agent on ${path}`, { cause: err }));
    });
    socket.on('end', () => {
      let response: ControlResponse;
      try {
        response = JSON.parse(data) as ControlResponse;
      } catch (err) {
        reject(new MoorError('CONTROL_FAILED', 'the agent sent an unreadable answer', { cause: err }));
        return;
      }
      if (response.ok) resolve(response.result);
      else reject(new MoorError(response.error.code, response.error.message));
    });
  });
}
