import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, InterpolationError } from '../../../agent/desired/compose/interpolate.js';
import { assertProblem, load, loadWarned, POLICY, problems } from './fixtures.js';

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
  it('makes an unset variable without default a blank and says so, as compose does', () => {
    const unset: string[] = [];
    assert.equal(interpolate('[${MISSING}][$MISSING]', vars, { onUnset: (n) => unset.push(n) }), '[][]');
    assert.deepEqual(unset, ['MISSING', 'MISSING']);
  });
  it('refuses an unset variable under strict interpolation', () => {
    assert.throws(() => interpolate('${MISSING}', vars, { strict: true }), InterpolationError);
    assert.throws(() => interpolate('$MISSING', vars, { strict: true }), /MISSING is not set.*strictInterpolation/);
  });
  it('keeps a $ that starts no name, as in a bcrypt hash, and refuses an unterminated ${', () => {
    assert.equal(interpolate('cost: $5', vars), 'cost: $5');
    assert.equal(interpolate('${H:-$2a$14$1l.Ioz}', vars), '$2a$14$1l.Ioz');
    assert.throws(() => interpolate('${NAME', vars), /unterminated/);
  });
  it('refuses nesting past the limit without exhausting the stack', () => {
    const deep = `${'${A:-'.repeat(6000)}x${'}'.repeat(6000)}`;
    assert.throws(() => interpolate(deep, vars), /nested 6000 deep/);
    assert.equal(interpolate('${A:-${B:-${C:-deep}}}', vars), 'deep');
  });
  it('takes values from .env, not from the agent process environment', async () => {
    process.env.MOOR_TEST_ONLY_IN_PROCESS = 'leak';
    const { state, warnings } = await loadWarned({ 'compose.yaml': 'services:\n  web:\n    image: x\n    environment:\n      A: ${MOOR_TEST_ONLY_IN_PROCESS}\n' });
    delete process.env.MOOR_TEST_ONLY_IN_PROCESS;
    assert.deepEqual(state.containers[0]?.env, { A: '' });
    assertProblem(warnings, { file: 'compose.yaml', line: 5, key: 'services.web.environment.A', message: /not set in \.env/ });
  });
  it('makes an unset variable an error with FILE:LINE under policy.strictInterpolation', async () => {
    const list = await problems({ 'compose.yaml': 'services:\n  web:\n    image: x\n    environment:\n      A: ${NOPE}\n' }, { ...POLICY, strictInterpolation: true });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.environment.A', message: /NOPE is not set/ });
  });
  it('refuses a 6,000 deep ${A:-${A:-...}} as an invalid commit naming FILE:LINE', async () => {
    const deep = `${'${A:-'.repeat(6000)}x${'}'.repeat(6000)}`;
    const list = await problems({ 'compose.yaml': `services:\n  web:\n    image: x\n    environment:\n      A: "${deep}"\n` });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.environment.A', message: /nested/ });
  });
  it('expands ${VAR} inside .env values and env_file files, but not single-quoted ones', async () => {
    const state = await load({
      '.env': 'HOST=db\nURL=postgres://${HOST}:5432\nLIT=\'${HOST}\'\n',
      'app.env': 'DSN=${URL}/app\n',
      'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: app.env\n    environment: { U: "${URL}", L: "${LIT}" }\n',
    });
    assert.deepEqual(state.containers[0]?.env, { DSN: 'postgres://db:5432/app', L: '${HOST}', U: 'postgres://db:5432' });
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
