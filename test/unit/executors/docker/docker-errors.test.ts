// How dockerode's failures become DockerError codes and handlings.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDockerError } from '../../../../agent/executors/docker/docker-errors.js';
import { demultiplex } from '../../../../agent/executors/docker/dockerode-engine.js';
import { DockerError } from '../../../../agent/contracts/errors.js';

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });
}

test('a socket that refuses is an unreachable engine, to retry', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const err = toDockerError(cause, 'list');
  assert.ok(err instanceof DockerError);
  assert.equal(err.code, 'ENGINE_UNREACHABLE');
  assert.equal(err.handling, 'retry');
  assert.equal(err.cause, cause);
});

test('an image the registry does not have is the commit’s fault', () => {
  const err = toDockerError(httpError(404, 'manifest for x:1 not found: manifest unknown'), 'pull');
  assert.equal(err.code, 'IMAGE_NOT_FOUND');
  assert.equal(err.handling, 'commit');
});

test('refused credentials are retried, even when the registry says not found', () => {
  assert.equal(toDockerError(httpError(500, 'unauthorized: authentication required'), 'pull').handling, 'retry');
  const hub = toDockerError(httpError(404, "pull access denied for x, repository does not exist or may require 'docker login'"), 'pull');
  assert.equal(hub.code, 'PULL_FAILED');
  assert.equal(hub.handling, 'retry');
});

test('a create the engine rejects is the commit’s fault, a name clash is not', () => {
  assert.equal(toDockerError(httpError(400, 'invalid mount config'), 'create').code, 'CREATE_FAILED');
  assert.equal(toDockerError(httpError(400, 'invalid mount config'), 'create').handling, 'commit');
  assert.equal(toDockerError(httpError(409, 'name in use'), 'create').code, 'CONFLICT');
  // The engine failing inside (here while it shut down under the agent) is not the commit's fault.
  const internal = toDockerError(httpError(500, 'error creating overlay mount to /var/lib/docker/overlay2/x-init/merged: invalid argument'), 'create');
  assert.equal(internal.code, 'CREATE_FAILED');
  assert.equal(internal.handling, 'retry');
  assert.equal(toDockerError(httpError(404, 'no such container'), 'inspect').code, 'NOT_FOUND');
});

test('the engine’s words are kept without docker-modem’s prefix', () => {
  assert.equal(toDockerError(httpError(409, 'name in use'), 'rename').message, 'rename: conflict: name in use');
});

test('multiplexed log frames are joined into text; raw output is kept as is', () => {
  const frame = (stream: number, text: string): Buffer => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  assert.equal(demultiplex(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])), 'out\nerr\n');
  assert.equal(demultiplex(Buffer.from('plain tty output\n')), 'plain tty output\n');
});
