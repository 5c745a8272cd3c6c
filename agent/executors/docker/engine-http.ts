// A minimal client of the Docker Engine API over node:http (unix socket or tcp): GET requests that
// answer JSON. The engine reads of every sync go through it, so that the resident agent does not
// load dockerode (and the grpc-js, protobufjs and ssh2 it brings: about 15 MB) for them.
// Errors look like docker-modem's (statusCode, json, errno code), so docker-errors.ts maps both.

import { Agent, request } from 'node:http';
import type { AgentSettings } from '../../settings/model.js';

/** connect.ts's default too (that file loads dockerode, so it is not imported here). */
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DEFAULT_TCP_PORT = 2375;
/** A request whose socket stays silent this long is destroyed (ETIMEDOUT: the engine is unreachable). */
const IDLE_MS = 60_000;
/** Answers larger than this are refused (a container list of thousands is a few MB). */
const MAX_BODY_BYTES = 64 * 2 ** 20;

/** What a failed request throws: the engine's status and its JSON body, as docker-modem does. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
    path: string,
  ) {
    super(`(HTTP code ${statusCode}) GET ${path} - ${messageOf(json)}`);
    this.name = 'EngineHttpError';
  }
}

function messageOf(json: unknown): string {
  if (typeof json === 'object' && json !== null && 'message' in json) {
    const m = (json as { message: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return 'no message';
}

export interface EngineHttp {
  /** GET PATH (with query) and parse the JSON answer; 2xx only. */
  getJson(path: string): Promise<unknown>;
}

export function engineHttp(settings: AgentSettings['docker']): EngineHttp {
  // No cap on sockets: a request the engine never answers (a wedged dockerd) must not hold up the
  // next ones; withTimeouts gives up on it, and IDLE_MS closes its socket.
  const agent = new Agent({ keepAlive: true });
  const target =
    settings.socketPath === null && settings.host !== null
      ? { host: settings.host, port: settings.port ?? DEFAULT_TCP_PORT }
      : { socketPath: settings.socketPath ?? DEFAULT_DOCKER_SOCKET };
  return {
    getJson: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ ...target, agent, path, method: 'GET', headers: { accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`engine answer to GET ${path} exceeds ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = null;
            try {
              json = text === '' ? null : JSON.parse(text);
            } catch (err) {
              if ((res.statusCode ?? 0) < 300) return reject(err instanceof Error ? err : new Error(String(err)));
              json = { message: text.trim() };
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(json);
            else reject(new EngineHttpError(status, json, path));
          });
        });
        req.setTimeout(IDLE_MS, () => req.destroy(Object.assign(new Error(`engine silent for ${IDLE_MS} ms on GET ${path}`), { code: 'ETIMEDOUT' })));
        req.on('error', reject);
        req.end();
      }),
  };
}

/** A query string's `filters` parameter. */
export function filtersQuery(filters: Record<string, string[]>): string {
  return `filters=${encodeURIComponent(JSON.stringify(filters))}`;
}
