// Classifies agent.yaml's `source.url` (http, ssh or local) and refuses credentials in it:
// secrets come from files only, and a URL with a password ends up in logs and .git/config.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceKind } from './model.js';

export type SourceUrl = { ok: true; url: string; kind: SourceKind } | { ok: false; error: string };

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/).+$/;

export function classifySourceUrl(url: string): SourceUrl {
  if (/^https?:\/\//i.test(url) || /^ssh:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, error: `"${url}" is not a valid URL` };
    }
    const http = parsed.protocol.startsWith('http');
    if (parsed.password !== '' || (http && parsed.username !== '')) {
      return {
        ok: false,
        error: 'credentials in the URL are refused; use source.auth.username and source.auth.passwordFile (or sshKeyFile)',
      };
    }
    return { ok: true, url, kind: http ? 'http' : 'ssh' };
  }
  if (SCP_LIKE.test(url)) return { ok: true, url, kind: 'ssh' };
  if (/^file:\/\//i.test(url)) {
    try {
      return { ok: true, url: fileURLToPath(url), kind: 'local' };
    } catch {
      return { ok: false, error: `"${url}" is not a valid file:// URL` };
    }
  }
  if (path.posix.isAbsolute(url)) return { ok: true, url: path.posix.normalize(url), kind: 'local' };
  return { ok: false, error: `"${url}" is not https://, http://, ssh://, user@host:path, file:// or an absolute path` };
}
