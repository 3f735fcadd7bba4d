import { execFile } from 'node:child_process';

export interface Probe {
  /** The handshake completed. */
  ok: boolean;
  /** The protocol negotiated, e.g. TLSv1.3, when the handshake completed. */
  protocol: string | undefined;
  output: string;
}

/**
 * `openssl s_client` against 127.0.0.1:port with stdin closed: it handshakes, then leaves. Run
 * asynchronously, since the server under test may live in this very process.
 */
export function sClient(port: number, flags: string[]): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...flags], { timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('openssl is not installed'));
      const output = `${stdout}${stderr}`;
      // "New, TLSv1.2, Cipher is ..." on success, "New, (NONE), Cipher is (NONE)" on failure. The session's
      // "Protocol :" line names the version (the "New," line names the cipher's); TLS 1.3 prints no such line.
      const completed = /^New, (TLSv[\d.]+), Cipher is /m.exec(output);
      const protocol = completed ? (/^\s*Protocol\s*:\s*(\S+)/m.exec(output)?.[1] ?? completed[1]) : undefined;
      const ok = !error && protocol !== undefined;
      resolve({ ok, protocol, output });
    });
    child.stdin?.end();
  });
}
