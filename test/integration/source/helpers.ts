// Shared helpers of the source integration tests: settings for a url, temp dirs, tree reads.

import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import type { SourceKind, SourceSettings } from '../../../agent/settings/model.js';

export function sourceSettings(kind: SourceKind, url: string, over: Partial<SourceSettings> = {}): SourceSettings {
  return {
    url,
    kind,
    branch: 'hosts/edge-01',
    path: '',
    intervalMs: 60_000,
    schedule: null,
    auth: { username: null, password: null, sshKeyFile: null, knownHostsFile: null },
    verify: { mode: 'off', keysFile: null },
    allowRewind: false,
    ...over,
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `moor-${prefix}-`));
}

/** Every file and link under `dir` as relative path -> content (links as `-> target`). */
export function readDirTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full, r);
      else out[r] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}
