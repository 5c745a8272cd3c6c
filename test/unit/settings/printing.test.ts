import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatHistory, formatProblemLine } from '../../../agent/cli/format.js';
import { terminalSafe } from '../../../agent/cli/terminal-safe.js';
import { openDatabase } from '../../../agent/store/db.js';
import { Store } from '../../../agent/store/store.js';

const MAIN = path.resolve('build/moor.cjs');
const HOSTILE = 'fix\u001b[2J\u001b]0;pwned\u0007 it\r\n::error file=x::injected\u009b31m';

function assertClean(text: string): void {
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'a control character got through');
  assert.doesNotMatch(text, /^\s*::/m, 'a line starts like a workflow command');
}

describe('what moor prints is free of control characters and workflow commands', () => {
  it('formats history with hostile commit messages and authors on one line each', () => {
    const text = formatHistory(
      [{ commit: 'a'.repeat(40), author: `eve${HOSTILE}`, email: 'e@x', date: '2026-01-01T00:00:00Z', message: `subject ${HOSTILE}`, signer: null, verdict: 'invalid', error: { name: 'E', code: 'X', message: HOSTILE, handling: 'commit' }, firstSeen: '', updated: '' }],
      [],
    );
    assertClean(terminalSafe(text));
    assert.equal(text.split('\n').length, 3);
  });
  it('formats a config problem on one line', () => {
    const line = formatProblemLine({ file: 'compose.yaml', line: 3, key: `services.${HOSTILE}`, message: HOSTILE });
    assert.equal(line.split('\n').length, 1);
    assertClean(terminalSafe(line));
  });
  it('prints `moor history` of a hostile commit without escapes (real CLI)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moor-history-'));
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'agent.yaml');
    await writeFile(config, `host: h1\nsource: { url: ${dir} }\nstateDir: ${stateDir}\n`);
    const { ensureStateDir } = await import('../../../agent/state-dir.js');
    ensureStateDir(stateDir);
    const store = new Store({ db: openDatabase({ file: path.join(stateDir, 'state.db') }), now: () => new Date() });
    store.recordRevision({ commit: 'b'.repeat(40), author: `mallory${HOSTILE}`, email: 'm@x', date: '2026-01-01T00:00:00Z', message: `${HOSTILE}\n::warning::second line` });
    store.close();
    const run = spawnSync(process.execPath, [MAIN, 'history', '--config', config], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /mallory/);
    assertClean(run.stdout);
    assertClean(run.stderr);
  });
  it('prints `moor validate` of a hostile key without escapes (real CLI)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moor-validate-'));
    await writeFile(path.join(dir, 'compose.yaml'), 'services:\n  "web\\e[31m\\r\\n::error::x":\n    image: x\n');
    const run = spawnSync(process.execPath, [MAIN, 'validate', dir], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /not a valid service name/);
    assertClean(run.stdout);
  });
});
