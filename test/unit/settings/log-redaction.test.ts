import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../../agent/logger.js';

describe('the log', () => {
  it('never shows a secret of agent.yaml, in the message or in any field, even inside other text', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'moor-log-')), 'log');
    const fd = openSync(file, 'w');
    const logger = createLogger({ level: 'info', destination: fd, secrets: ['registry-pw-123', 'hub-token-456'] });
    logger.child({ component: 'x' }).error({ err: { message: 'auth registry-pw-123 refused', url: 'https://u:hub-token-456@h' } }, 'pull failed with registry-pw-123');
    logger.flush();
    closeSync(fd);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /pull failed with \(redacted\)/);
    assert.doesNotMatch(text, /registry-pw-123|hub-token-456/);
  });
});
