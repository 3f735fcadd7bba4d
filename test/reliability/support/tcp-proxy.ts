import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of an API server, so a test can take the API server away from one
 * client while it keeps running for everyone else: `refuse` closes every connection and the port
 * (what a stopped API server looks like), `blackhole` keeps connections open and accepts new
 * ones but passes no byte either way (a silent network partition), `restore` forwards again on the same
 * port. TLS passes through untouched, so the client still verifies the API server's own certificate.
 */
export class TcpProxy {
  private server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream?: Socket }>();
  private mode: 'forward' | 'blackhole' | 'refuse' = 'forward';
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = this.makeServer();
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  private makeServer(): Server {
    return createServer((client) => {
      const pair: { client: Socket; upstream?: Socket } = { client };
      this.pairs.add(pair);
      const drop = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        pair.upstream?.destroy();
      };
      client.on('error', drop);
      client.on('close', drop);
      if (this.mode === 'blackhole') {
        client.pause();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      pair.upstream = upstream;
      upstream.on('error', drop);
      upstream.on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /**
   * Every open connection is closed and the port refuses new ones. (Not resetAndDestroy: on Node 20 a
   * socket reset that way can keep the process spinning at exit.)
   */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Open connections stay open but carry nothing; new ones are accepted and held silent. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.pairs) {
      pair.client.unpipe();
      pair.upstream?.unpipe();
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Forwards again, on the same port; connections held during a blackhole are dropped (their bytes are lost). */
  async restore(): Promise<void> {
    const wasRefusing = this.mode === 'refuse';
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    this.mode = 'forward';
    if (wasRefusing) {
      this.server = this.makeServer();
      this.server.listen(this.port, '127.0.0.1');
      await once(this.server, 'listening');
    }
  }

  async close(): Promise<void> {
    if (this.mode !== 'refuse') await this.refuse();
  }
}
