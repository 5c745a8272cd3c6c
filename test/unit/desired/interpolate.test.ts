import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, InterpolationError } from '../../../agent/desired/interpolate.js';
import { load, problems, assertProblem } from './fixtures.js';

const vars = { NAME: 'web', EMPTY: '', PORT: '8080' };

describe('interpolation', () => {
  it('replaces $VAR and ${VAR}', () => {
    assert.equal(interpolate('$NAME-${PORT}', vars), 'web-8080');
  });
  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    assert.equal(interpolate('${MISSING:-x}', vars), 'x');
    assert.equal(interpolate('${EMPTY:-x}', vars), 'x');
    assert.equal(interpolate('${NAME:-x}', vars), 'web');
  });
  it('uses the default of ${VAR-default} only when the variable is unset', () => {
    assert.equal(interpolate('${MISSING-x}', vars), 'x');
    assert.equal(interpolate('${EMPTY-x}', vars), '');
  });
  it('fails with the message of ${VAR:?message} when unset or empty', () => {
    assert.throws(() => interpolate('${EMPTY:?must be set}', vars), /EMPTY is empty: must be set/);
    assert.throws(() => interpolate('${MISSING?needed}', vars), /MISSING is not set: needed/);
    assert.equal(interpolate('${EMPTY?needed}', vars), '');
  });
  it('supports ${VAR:+alt} and nested defaults', () => {
    assert.equal(interpolate('${NAME:+yes}', vars), 'yes');
    assert.equal(interpolate('${EMPTY:+yes}', vars), '');
    assert.equal(interpolate('${A:-${B:-deep}}', vars), 'deep');
  });
  it('turns $$ into a literal dollar sign', () => {
    assert.equal(interpolate('echo $$HOME costs $$5', vars), 'echo $HOME costs $5');
  });
  it('refuses an unset variable without default', () => {
    assert.throws(() => interpolate('${MISSING}', vars), InterpolationError);
    assert.throws(() => interpolate('$MISSING', vars), /MISSING is not set/);
  });
  it('refuses a lone $ and an unterminated ${', () => {
    assert.throws(() => interpolate('cost: $5', vars), /literal dollar/);
    assert.throws(() => interpolate('${NAME', vars), /unterminated/);
  });
  it('takes values from .env, not from the agent process environment', async () => {
    process.env.MOOR_TEST_ONLY_IN_PROCESS = 'leak';
    const list = await problems({ 'compose.yaml': 'services:\n  web:\n    image: x\n    environment:\n      A: ${MOOR_TEST_ONLY_IN_PROCESS}\n' });
    delete process.env.MOOR_TEST_ONLY_IN_PROCESS;
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.environment.A', message: /not set in \.env/ });
  });
  it('interpolates values from .env into compose values but not keys', async () => {
    const state = await load({
      '.env': 'export TAG=1.2\nLABEL_VALUE="quoted # not a comment"\n',
      'compose.yaml': 'services:\n  web:\n    image: local/app:${TAG}\n    labels:\n      $${KEY}: ${LABEL_VALUE}\n',
    });
    assert.equal(state.containers[0]?.image, 'local/app:1.2');
    assert.deepEqual(state.containers[0]?.labels, { '$${KEY}': 'quoted # not a comment' });
  });
  it('leaves x- extension fields alone', async () => {
    const state = await load({ 'compose.yaml': 'x-notes: ${UNDEFINED}\nservices:\n  web:\n    image: x\n' });
    assert.equal(state.containers.length, 1);
  });
});
