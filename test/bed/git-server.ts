// Test bed: a smart-HTTP git server on 127.0.0.1 — `git http-backend` run as CGI behind a
// small node http server, optional basic auth, counting requests and wire bytes.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface GitServerStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface GitServer {
  /** Base url, e.g. http://127.0.0.1:PORT; a repo `x.git` in the project root is `${url}/x.git`. */
  url: string;
  stats(): GitServerStats;
  resetStats(): void;
  stop(): Promise<void>;
}

export interface GitServerOptions {
  /** Folder holding the bare repositories (GIT_PROJECT_ROOT). */
  projectRoot: string;
  /** The CGI's stderr goes here, never to the terminal. */
  logFile: string;
  auth?: { username: string; password: string };
  /** false: drop the Git-Protocol header, like an old server that only speaks protocol v0/v1. */
  protocolV2?: boolean;
}

function authorised(req: http.IncomingMessage, auth: GitServerOptions['auth']): string | null | false {
  if (!auth) return null;
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match?.[1]) return false;
  const [user, ...rest] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
  return user === auth.username && rest.join(':') === auth.password ? user : false;
}

function runCgi(req: http.IncomingMessage, res: http.ServerResponse, options: GitServerOptions, user: string | null): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string' && options.protocolV2 !== false) env.GIT_PROTOCOL = protocol;
  if (user) env.REMOTE_USER = user;

  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.pipe(log);
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);

  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + sep));
  });
  child.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(500);
      res.end(`git http-backend exited with ${code}`);
      return;
    }
    res.end();
  });
  child.on('error', (err) => {
    log.write(`spawn failed: ${err.message}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  let requests = 0;
  let closedIn = 0;
  let closedOut = 0;
  let base = { requests: 0, bytesIn: 0, bytesOut: 0 };
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    requests += 1;
    const user = authorised(req, options.auth);
    if (user === false) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    runCgi(req, res, options, user);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closedIn += socket.bytesRead;
      closedOut += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function raw(): GitServerStats {
    let bytesIn = closedIn;
    let bytesOut = closedOut;
    for (const s of sockets) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return { requests, bytesIn, bytesOut };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    stats() {
      const now = raw();
      return { requests: now.requests - base.requests, bytesIn: now.bytesIn - base.bytesIn, bytesOut: now.bytesOut - base.bytesOut };
    },
    resetStats() {
      base = raw();
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
