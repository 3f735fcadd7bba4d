import { once } from 'node:events';
import { createServer, request, type Agent, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Running {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** A real https server on 127.0.0.1, port chosen by the kernel, answering 200 "ok" unless told otherwise. */
export async function listen(
  options: ServerOptions,
  handler: (respond: (body: string) => void) => void = (respond) => respond('ok'),
): Promise<Running> {
  const server = createServer(options, (_req, res) => handler((body) => res.end(body)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface Response {
  status: number;
  body: string;
  /** SHA-256 of the certificate the server presented on this connection, as node formats it. */
  peer: string;
  reusedSocket: boolean;
  socket: TLSSocket;
}

export interface ClientOptions {
  ca: string;
  agent?: Agent;
  cert?: string;
  key?: string;
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
}

/** GET https://127.0.0.1:port/ with the given trust and client identity; rejects on TLS errors. */
export function get(port: number, options: ClientOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', method: 'GET', ...options, agent: options.agent ?? false },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), peer, reusedSocket: req.reusedSocket, socket });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
