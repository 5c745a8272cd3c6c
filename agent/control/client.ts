// Client side of the control socket, used by the CLI verbs to talk to a running agent. Every
// reply is checked against the verb's schema: a reply of another shape is an error, not a cast.

import { connect } from 'node:net';
import { MoorError } from '../contracts/errors.js';
import type { ControlReplies, ControlRequest } from '../contracts/control-protocol.js';
import { checkControlReply, parseControlResponse } from '../contracts/control-replies.js';

/** Sends one request and returns the verb's checked reply; rejects NO_AGENT when no agent listens. */
export function callAgent<R extends ControlRequest>(path: string, request: R): Promise<ControlReplies[R['verb']]> {
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
      try {
        resolve(readReply<R['verb']>(request.verb, data));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function readReply<V extends ControlRequest['verb']>(verb: V, data: string): ControlReplies[V] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (err) {
    throw new MoorError('CONTROL_FAILED', 'the agent sent an unreadable answer', { cause: err });
  }
  const response = parseControlResponse(value);
  if (response === null) throw new MoorError('CONTROL_FAILED', 'the agent sent an answer of an unknown shape');
  if (!response.ok) throw new MoorError(response.error.code, response.error.message);
  const checked = checkControlReply(verb, response.result);
  if (!checked.ok) {
    throw new MoorError('CONTROL_FAILED', `the agent's answer to ${verb} has an unexpected shape (agent and CLI of different versions?): ${checked.problem}`);
  }
  return checked.reply;
}
