// The HTTP client handed to isomorphic-git: node:http(s) with an inactivity timeout,
// counting round trips and wire bytes (request and status lines, headers, bodies).

import * as http from 'node:http';
import * as https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { SourceStats } from './port.js';

export interface CountingHttpClient extends HttpClient {
  stats(): SourceStats;
}

class TimeoutError extends Error {
  readonly code = 'SOURCE_TIMEOUT';
}

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

function headerBytes(firstLine: string, headers: Record<string, string>): number {
  let n = firstLine.length + 2 + 2;
  for (const [k, v] of Object.entries(headers)) n += k.length + 2 + v.length + 2;
  return n;
}

export function createCountingHttpClient(options: { timeoutMs: number }): CountingHttpClient {
  const totals: SourceStats = { roundTrips: 0, bytesIn: 0, bytesOut: 0 };
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 2, timeout: options.timeoutMs }),
    https: new https.Agent({ keepAlive: true, maxSockets: 2, timeout: options.timeoutMs }),
  };

  async function request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const url = new URL(req.url);
    const body = await collect(req.body);
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body.length > 0) headers['content-length'] = String(body.length);
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    totals.roundTrips += 1;
    totals.bytesOut += headerBytes(`${method} ${url.pathname}${url.search} HTTP/1.1`, { host: url.host, ...headers });
    totals.bytesOut += body.length;

    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const r = lib.request(url, { method, headers, agent: isHttps ? agents.https : agents.http }, resolve);
      r.setTimeout(options.timeoutMs, () => {
        r.destroy(new TimeoutError(`no answer from the git server within ${options.timeoutMs} ms`));
      });
      r.on('error', reject);
      r.end(body);
    });

    const resHeaders: Record<string, string> = {};
    let headerSize = `HTTP/1.1 ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.length + 4;
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      const k = res.rawHeaders[i] ?? '';
      const v = res.rawHeaders[i + 1] ?? '';
      headerSize += k.length + v.length + 4;
      resHeaders[k.toLowerCase()] = v;
    }
    totals.bytesIn += headerSize;

    async function* stream(): AsyncGenerator<Uint8Array> {
      for await (const chunk of res) {
        const buf = chunk as Buffer;
        totals.bytesIn += buf.length;
        yield buf;
      }
    }

    return {
      url: req.url,
      method,
      statusCode: res.statusCode ?? 0,
      statusMessage: res.statusMessage ?? '',
      headers: resHeaders,
      body: stream(),
    };
  }

  return {
    request,
    stats: () => ({ ...totals }),
  };
}
