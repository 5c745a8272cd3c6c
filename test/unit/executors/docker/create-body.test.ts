// The pure translation of a ContainerSpec into Docker's create body, and back from inspect.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartPolicyString, toCreateBody, toRestartPolicy } from '../../../../agent/executors/docker/create-body.js';
import { minimalSpec } from '../../../fixtures/container-spec.js';

test('the first network is the network mode and the others are connected afterwards', () => {
  const spec = minimalSpec('h', 'web', { networkMode: null, networks: ['p_front', 'p_back', 'p_admin'] });
  const { body, extraNetworks } = toCreateBody(spec, {});
  assert.equal(body.HostConfig?.NetworkMode, 'p_front');
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { p_front: { Aliases: ['web'] } } });
  assert.deepEqual(extraNetworks, ['p_back', 'p_admin']);
});

test('a network mode leaves nothing to connect', () => {
  const { body, extraNetworks } = toCreateBody(minimalSpec('h', 'web', { networkMode: 'host' }), {});
  assert.equal(body.HostConfig?.NetworkMode, 'host');
  assert.equal(body.NetworkingConfig, undefined);
  assert.deepEqual(extraNetworks, []);
});

test('moor labels win over user labels of the same name', () => {
  const spec = minimalSpec('h', 'web', { labels: { 'moor.host': 'spoofed', team: 'a' } });
  const { body } = toCreateBody(spec, { 'moor.host': 'h' });
  assert.deepEqual(body.Labels, { 'moor.host': 'h', team: 'a' });
});

test('unset optional fields keep the image defaults', () => {
  const { body } = toCreateBody(minimalSpec('h', 'web', { command: null }), {});
  for (const key of ['Cmd', 'Entrypoint', 'User', 'WorkingDir', 'Hostname', 'StopSignal', 'Healthcheck'] as const) {
    assert.equal(body[key], undefined, key);
  }
  assert.equal(body.HostConfig?.Memory, undefined);
  assert.equal(body.HostConfig?.LogConfig, undefined);
});

test('a stop grace period is rounded up to whole seconds', () => {
  assert.equal(toCreateBody(minimalSpec('h', 'w', { stopGracePeriodMs: 1500 }), {}).body.StopTimeout, 2);
  assert.equal(toCreateBody(minimalSpec('h', 'w', { stopGracePeriodMs: 10_000 }), {}).body.StopTimeout, 10);
});

test('restart policies go to the engine and come back in compose notation', () => {
  assert.deepEqual(toRestartPolicy('on-failure:5'), { Name: 'on-failure', MaximumRetryCount: 5 });
  assert.deepEqual(toRestartPolicy('unless-stopped'), { Name: 'unless-stopped' });
  assert.equal(restartPolicyString({ Name: 'on-failure', MaximumRetryCount: 5 }), 'on-failure:5');
  assert.equal(restartPolicyString({ Name: 'on-failure', MaximumRetryCount: 0 }), 'on-failure');
  assert.equal(restartPolicyString({ Name: '' }), 'no');
  assert.equal(restartPolicyString(undefined), 'no');
});
