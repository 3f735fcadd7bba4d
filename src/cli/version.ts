import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json beside src/ or dist/. */
export function ztgateVersion(): string {
  if (cached === undefined) {
    try {
      cached = String((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0');
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
