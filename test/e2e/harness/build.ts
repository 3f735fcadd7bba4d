/**
 * Builds ztgate (`npm run build`, tsc → dist/) once per source state. ztgate always runs from dist/ in its
 * own process, as it would in production, so the build must match the sources being tested.
 *
 * A stamp outside the repository records a hash of everything tsc reads plus the mtime of the output it
 * produced; a warm run with unchanged sources and an untouched dist/ skips the ~30 s compile.
 * ZTGATE_E2E_BUILD=always forces a build, ZTGATE_E2E_BUILD=never uses dist/ as it is.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ZTGATE_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [...filesUnder(join(REPO_ROOT, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => join(REPO_ROOT, f))];
  for (const file of inputs.sort()) {
    hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function stampFile(): string {
  const cache = process.env['ZTGATE_E2E_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'ztgate-e2e');
  mkdirSync(cache, { recursive: true });
  const repoKey = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 16);
  return join(cache, `ztgate-dist-${repoKey}.stamp`);
}

function currentStamp(hash: string): string | undefined {
  if (!existsSync(ZTGATE_MAIN)) return undefined;
  return `${hash} ${statSync(ZTGATE_MAIN).mtimeMs}`;
}

function npmRunBuild(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Returns what was done ('built', 'cached' or 'skipped'); throws with tsc's output when the build fails. */
export async function ensureZtgateBuilt(): Promise<'built' | 'cached' | 'skipped'> {
  const mode = process.env['ZTGATE_E2E_BUILD'] ?? 'auto';
  if (mode === 'never') {
    if (!existsSync(ZTGATE_MAIN)) throw new Error(`ZTGATE_E2E_BUILD=never but ${ZTGATE_MAIN} does not exist`);
    return 'skipped';
  }
  const hash = sourceHash();
  const stamp = stampFile();
  if (mode !== 'always' && existsSync(stamp) && readFileSync(stamp, 'utf8') === currentStamp(hash)) return 'cached';
  const { code, output } = await npmRunBuild();
  if (code !== 0) throw new Error(`npm run build failed (exit ${code}); the e2e suite tests dist/, so it needs a clean build:\n${output}`);
  const after = currentStamp(hash);
  if (!after) throw new Error(`npm run build succeeded but ${ZTGATE_MAIN} is missing`);
  writeFileSync(stamp, after);
  return 'built';
}
