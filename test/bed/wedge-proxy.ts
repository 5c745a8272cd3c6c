// A unix socket in front of the private engine that can be made to stop answering, as a wedged
// dockerd does (requests accepted, never answered): the real engine behind it, not a mock.

import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class WedgeProxy {
  private wedged = false;
  private readonly open = new Set<Socket>();
  /** Connections that went silent while wedged. */
  private readonly silent = new Set<Socket>();

  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
  ) {}

  static async start(options: { socketPath: string; target: string }): Promise<WedgeProxy> {
    rmSync(options.socketPath, { force: true });
    let proxy: WedgeProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, options.target));
    proxy = new WedgeProxy(options.socketPath, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => resolve());
    });
    return proxy;
  }

  /** From now on nothing is forwarded either way; connections stay open and silent. */
  wedge(): void {
    this.wedged = true;
  }

  /** Answers again, on new connections (those opened while wedged are dropped, as after a restart). */
  unwedge(): void {
    this.wedged = false;
    for (const s of this.silent) s.destroy();
    this.silent.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  private accept(client: Socket, target: string): void {
    this.open.add(client);
    client.on('close', () => this.open.delete(client));
    client.on('error', () => client.destroy());
    if (this.wedged) {
      this.silent.add(client);
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection(target);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (this.wedged) {
          this.silent.add(client);
          return;
        }
        to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  }
}
