// Image references and registry credentials: which registry an image comes from, and which
// username/password to send for it (agent.yaml `registries` first, then a Docker config.json).

import { readFile } from 'node:fs/promises';
import type { RegistryCredential } from '../../settings/model.js';

export const DOCKER_HUB = 'docker.io';

export interface ImageRef {
  /** Registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  /** Repository as the engine wants it in `fromImage`, registry included when given. */
  repository: string;
  /** Tag, or the digest (`sha256:...`) when the reference pins one. */
  tag: string;
}

/**
 * Splits a reference the way the Docker CLI does: the first path component is a registry when
 * it contains a dot or a colon, or is `localhost`; the tag is after the last colon that follows
 * the last slash; a digest follows `@`.
 */
export function parseImageRef(ref: string): ImageRef {
  let name = ref;
  let tag = 'latest';
  const at = name.indexOf('@');
  if (at >= 0) {
    tag = name.slice(at + 1);
    name = name.slice(0, at);
  }
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    if (at < 0) tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { registry: hasRegistry ? first : DOCKER_HUB, repository: name, tag };
}

/** `https://index.docker.io/v1/`, `registry-1.docker.io`, `docker.io` all name Docker Hub. */
export function normaliseRegistryHost(host: string): string {
  let h = host.trim().toLowerCase();
  h = h.replace(/^[a-z]+:\/\//, '');
  const slash = h.indexOf('/');
  if (slash >= 0) h = h.slice(0, slash);
  if (h === 'index.docker.io' || h === 'registry-1.docker.io' || h === 'registry.hub.docker.com') return DOCKER_HUB;
  return h;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** Reads the `auths` of a Docker config.json; a missing file means no credentials. */
export async function readDockerConfigAuths(file: string): Promise<RegistryCredential[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return [];
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  const auths = isRecord(parsed) && isRecord(parsed['auths']) ? parsed['auths'] : {};
  const out: RegistryCredential[] = [];
  for (const [host, entry] of Object.entries(auths)) {
    if (!isRecord(entry)) continue;
    const auth = entry['auth'];
    if (typeof auth === 'string' && auth !== '') {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) out.push({ host, username: decoded.slice(0, sep), password: decoded.slice(sep + 1) });
    } else if (typeof entry['username'] === 'string' && typeof entry['password'] === 'string') {
      out.push({ host, username: entry['username'], password: entry['password'] });
    }
  }
  return out;
}

export function findCredential(registry: string, credentials: RegistryCredential[]): RegistryCredential | null {
  const wanted = normaliseRegistryHost(registry);
  return credentials.find((c) => normaliseRegistryHost(c.host) === wanted) ?? null;
}

export function toRegistryAuth(registry: string, cred: RegistryCredential): RegistryAuth {
  const serveraddress = registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
  return { username: cred.username, password: cred.password, serveraddress };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isErrnoCode(err: unknown, code: string): boolean {
  return isRecord(err) && err['code'] === code;
}
