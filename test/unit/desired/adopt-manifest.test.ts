// `adopt:` in moor.yaml asks what `x-moor: { adopt: true }` asks in the compose file: take over
// the docker compose project the commit names. A list must name that project.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, load, problems } from './fixtures.js';

const COMPOSE = 'name: shop\nservices:\n  db: { image: pg }\n';

describe('adopt in moor.yaml', () => {
  it('takes over the commit project with adopt: true, or a list naming it', async () => {
    assert.equal((await load({ 'compose.yaml': COMPOSE, 'moor.yaml': 'adopt: true\n' })).adopt, true);
    assert.equal((await load({ 'compose.yaml': COMPOSE, 'moor.yaml': 'adopt: [shop]\n' })).adopt, true);
    assert.equal((await load({ 'compose.yaml': 'services:\n  db: { image: pg }\n', '.env': 'COMPOSE_PROJECT_NAME=shop\n', 'moor.yaml': 'adopt: [shop]\n' })).adopt, true);
  });
  it('takes nothing over when absent or false', async () => {
    assert.equal((await load({ 'compose.yaml': COMPOSE })).adopt, undefined);
    assert.equal((await load({ 'compose.yaml': COMPOSE, 'moor.yaml': 'adopt: false\n' })).adopt, undefined);
  });
  it('refuses a list naming another project, and a value that is neither, with moor.yaml:LINE', async () => {
    const other = await problems({ 'compose.yaml': COMPOSE, 'moor.yaml': 'rollout: { rollback: true }\nadopt:\n  - shop\n  - app\n' });
    assertProblem(other, { file: 'moor.yaml', line: 4, key: 'adopt[1]', message: /"app" is not this commit's compose project \("shop"\)/ });
    const bad = await problems({ 'compose.yaml': COMPOSE, 'moor.yaml': 'prune: { volumes: false }\nadopt: yes-please\n' });
    assertProblem(bad, { file: 'moor.yaml', line: 2, key: 'adopt', message: /expected true, false or a list of compose project names/ });
  });
});
