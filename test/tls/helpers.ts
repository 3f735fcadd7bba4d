import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createCertificateAuthority, issueServingCertificate, type CertificatePair } from '../../src/tls/pki.js';

/** A scratch directory removed after the file's tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ztgate-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const NOW = new Date('2030-01-01T00:00:00Z');
export const DAY_MS = 86_400_000;

export function testCa(commonName = 'test CA', now = NOW, validityDays = 3650): CertificatePair {
  return createCertificateAuthority({ commonName, validityDays, now });
}

export function testLeaf(ca: CertificatePair, hosts: string[] = ['localhost', '127.0.0.1'], now = NOW, validityDays = 365): CertificatePair {
  return issueServingCertificate({ ca, hosts, validityDays, now });
}

/** `openssl verify -CAfile ca cert`: the exit status and what it printed. */
export function opensslVerify(caFile: string, certFile: string, extra: string[] = []): { ok: boolean; output: string } {
  const result = spawnSync('openssl', ['verify', ...extra, '-CAfile', caFile, certFile], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run openssl: ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

export function writePems(dir: string, files: Record<string, string>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], text);
  }
  return paths;
}
