import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDotenv } from '../../../agent/desired/compose/dotenv.js';

describe('.env parsing', () => {
  it('reads KEY=VALUE lines, skipping comments and blank lines', () => {
    const { vars, problems } = parseDotenv('# comment\n\nA=1\nB = two words \n');
    assert.deepEqual(vars, { A: '1', B: 'two words' });
    assert.deepEqual(problems, []);
  });
  it('accepts an export prefix and strips inline comments of unquoted values', () => {
    assert.deepEqual(parseDotenv('export A=1 # note\n').vars, { A: '1' });
  });
  it('keeps single-quoted values literal and unescapes double-quoted ones', () => {
    const { vars } = parseDotenv(`A='$x \\n'\nB="line\\nnext \\"q\\""\n`);
    assert.equal(vars.A, '$x \\n');
    assert.equal(vars.B, 'line\nnext "q"');
  });
  it('reports malformed lines with their line number', () => {
    const { problems } = parseDotenv('A=1\njust words\n1BAD=x\nC="open\n');
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4],
    );
  });
});
