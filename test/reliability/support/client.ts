import { Agent, request } from 'node:https';

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface PostOptions {
  ca: string;
  /** A keep-alive agent to reuse connections as the API server does; default: a fresh connection. */
  agent?: Agent;
  cert?: string;
  key?: string;
  method?: string;
  headers?: Record<string, string>;
}

/** One HTTPS request to 127.0.0.1:port; rejects with the socket error (code ECONNREFUSED, ECONNRESET...). */
export function call(port: number, path: string, body: string | Buffer | undefined, options: PostOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        agent: options.agent ?? false,
        headers: body === undefined ? options.headers : { 'content-type': 'application/json', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The code of a socket error (ECONNREFUSED, ECONNRESET, EPIPE...), or its message. */
export function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
