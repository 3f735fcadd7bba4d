import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

function runs(kubectl: string): string | undefined {
  const result = spawnSync(kubectl, ['version', '--client=true'], { encoding: 'utf8' });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : `exit ${result.status}: ${result.stderr.trim()}`;
}

/**
 * kubectl from $ZTGATE_KUBECTL, else the one the e2e control-plane build caches (a cache hit takes
 * milliseconds; a cold build takes minutes, and CI builds it before the tests run).
 */
export function findKubectl(): string {
  const fromEnv = process.env['ZTGATE_KUBECTL'];
  if (fromEnv) {
    const problem = runs(fromEnv);
    if (problem) throw new Error(`ZTGATE_KUBECTL=${fromEnv} does not run (${problem})`);
    return fromEnv;
  }
  const build = spawnSync('bash', [join(REPO, 'test/e2e/control-plane/build.sh')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const binDir = build.stdout?.trim().split('\n').at(-1);
  if (build.status === 0 && binDir) {
    const kubectl = join(binDir, 'kubectl');
    const problem = runs(kubectl);
    if (!problem) return kubectl;
    throw new Error(`test/e2e/control-plane/build.sh printed ${binDir}, but ${kubectl} does not run (${problem})`);
  }
  const tail = (build.stderr ?? String(build.error ?? '')).trim().split('\n').slice(-5).join('\n');
  throw new Error(
    'no kubectl for the deploy tests: set ZTGATE_KUBECTL to a kubectl binary, or build one with ' +
      '`bash test/e2e/control-plane/build.sh` (CI does so before the tests). The build said:\n' +
      tail,
  );
}

/** `kubectl kustomize DIR`, or an error carrying kubectl's message. */
export function kustomize(kubectl: string, dir: string): string {
  const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr.trim() || String(result.error)}`);
  return result.stdout;
}
