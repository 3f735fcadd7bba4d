/**
 * Pepr's side of the benchmark: install pepr@1.1.4 (never `latest`, which points at a stray old build)
 * into a workspace outside the repository, build bench/pepr-module with `pepr build`, and start the
 * built bundle the way its generated Deployment runs it: the Deployment's env, its TLS and api-path
 * Secrets (written to files, as the volume mounts would), and a fake Kubernetes API for the store.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { startFakeKubeApi, type FakeKubeApi } from './fake-kube-api.js';
import { freePort, serverStdio, spawnPinned, tailOf, waitForTls } from './proc.js';

export const PEPR_VERSION = '1.1.4';
const MODULE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'pepr-module');
const run = promisify(execFile);

export interface PeprBuild {
  workspace: string;
  bundle: string;
  manifest: string;
  /** What the harness did: installed or reused, built or reused, and how long each took. */
  steps: string[];
}

export interface PeprDeployment {
  env: Record<string, string>;
  tlsCert: string;
  tlsKey: string;
  apiPath: string;
  validatePath: string;
  mutatePath: string;
}

export interface PeprServer {
  child: ChildProcess;
  port: number;
  deployment: PeprDeployment;
  api: FakeKubeApi;
  stderr: () => string;
}

export function cacheRoot(): string {
  return process.env['ZTGATE_BENCH_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'ztgate-bench');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

function hashOf(files: string[], base: string): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(base, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

async function timed<T>(steps: string[], label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  steps.push(`${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** Installs Pepr (once per version and package.json) and builds the module (once per source hash). */
export async function buildPepr(log: (line: string) => void): Promise<PeprBuild> {
  const workspace = join(cacheRoot(), `pepr-${PEPR_VERSION}`);
  mkdirSync(workspace, { recursive: true });
  const steps: string[] = [];
  const sources = listFiles(MODULE_SOURCE);
  const packageJson = join(MODULE_SOURCE, 'package.json');
  const installKey = hashOf([packageJson], MODULE_SOURCE);
  const installedMarker = join(workspace, '.installed');
  const installed = existsSync(installedMarker) && readFileSync(installedMarker, 'utf8') === installKey;
  const pepr = join(workspace, 'node_modules', 'pepr', 'package.json');
  if (!installed || !existsSync(pepr)) {
    log(`installing pepr@${PEPR_VERSION} into ${workspace} (npm, once)`);
    cpSync(packageJson, join(workspace, 'package.json'));
    await timed(steps, `npm install pepr@${PEPR_VERSION}`, () =>
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: workspace, timeout: 600_000, maxBuffer: 16 << 20 }),
    );
    writeFileSync(installedMarker, installKey);
  } else steps.push(`pepr@${PEPR_VERSION} already installed in ${workspace}`);
  const version = (JSON.parse(readFileSync(pepr, 'utf8')) as { version: string }).version;
  if (version !== PEPR_VERSION) throw new Error(`${workspace} holds pepr ${version}, not ${PEPR_VERSION}; delete it and run again`);

  const sourceKey = hashOf(sources, MODULE_SOURCE);
  const builtMarker = join(workspace, 'dist', '.source-hash');
  const bundle = join(workspace, 'dist', 'pepr-ztgate-bench.js');
  const manifest = join(workspace, 'dist', 'pepr-module-ztgate-bench.yaml');
  const built = existsSync(builtMarker) && readFileSync(builtMarker, 'utf8') === sourceKey && existsSync(bundle) && existsSync(manifest);
  if (!built) {
    for (const file of sources) {
      const target = join(workspace, relative(MODULE_SOURCE, file));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
    log('building the Pepr module (pepr build)');
    await timed(steps, 'pepr build', () =>
      run(process.execPath, [join(workspace, 'node_modules', 'pepr', 'dist', 'cli.js'), 'build'], {
        cwd: workspace,
        timeout: 600_000,
        maxBuffer: 64 << 20,
        env: { ...process.env, NO_COLOR: '1' },
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`pepr build failed: ${error.message}\n${(error.stdout ?? '').slice(-1500)}\n${(error.stderr ?? '').slice(-1500)}`);
      }),
    );
    if (!existsSync(bundle) || !existsSync(manifest)) throw new Error(`pepr build did not write ${bundle} and ${manifest}`);
    writeFileSync(builtMarker, sourceKey);
  } else steps.push(`Pepr module already built (source ${sourceKey})`);
  return { workspace, bundle, manifest, steps };
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML from pepr build

/** Reads what the Deployment would give the container from the manifest `pepr build` wrote. */
export function readDeployment(manifest: string): PeprDeployment {
  const docs = parseAllDocuments(readFileSync(manifest, 'utf8')).map((doc) => doc.toJS() as Doc);
  const deployment = docs.find((d) => d['kind'] === 'Deployment' && d['metadata']?.['labels']?.['pepr.dev/controller'] === 'admission');
  if (!deployment) throw new Error(`${manifest}: no admission Deployment`);
  const name = deployment['metadata']['name'] as string;
  const container = deployment['spec']['template']['spec']['containers'][0] as Doc;
  const env: Record<string, string> = {};
  for (const entry of (container['env'] ?? []) as { name: string; value?: string }[]) if (entry.value !== undefined) env[entry.name] = entry.value;
  const secret = (secretName: string): Record<string, string> => {
    const found = docs.find((d) => d['kind'] === 'Secret' && d['metadata']?.['name'] === secretName);
    if (!found) throw new Error(`${manifest}: no Secret ${secretName}`);
    return Object.fromEntries(Object.entries(found['data'] as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  const tls = secret(`${name}-tls`);
  const apiPath = secret(`${name}-api-path`)['value'];
  if (!tls['tls.crt'] || !tls['tls.key'] || !apiPath) throw new Error(`${manifest}: the TLS or api-path Secret is incomplete`);
  const webhookPath = (kind: string): string => {
    const config = docs.find((d) => d['kind'] === kind);
    const path = config?.['webhooks']?.[0]?.['clientConfig']?.['service']?.['path'] as string | undefined;
    if (!path) throw new Error(`${manifest}: no ${kind} with a service path`);
    return path;
  };
  return {
    env,
    tlsCert: tls['tls.crt'],
    tlsKey: tls['tls.key'],
    apiPath,
    validatePath: webhookPath('ValidatingWebhookConfiguration'),
    mutatePath: webhookPath('MutatingWebhookConfiguration'),
  };
}

/**
 * Starts the bundle with the Deployment's env. The Deployment mounts the TLS Secret at /etc/certs and
 * the api-path Secret at /app/api-path; Pepr reads SSL_CERT_PATH, SSL_KEY_PATH and PEPR_API_PATH in
 * their place, so the files go to `workDir` instead of the root filesystem.
 */
export async function startPepr(build: PeprBuild, workDir: string, certsDir: string, cpus: string | undefined, logDir: string | undefined): Promise<PeprServer> {
  const deployment = readDeployment(build.manifest);
  mkdirSync(workDir, { recursive: true });
  const cert = join(workDir, 'pepr-tls.crt');
  const key = join(workDir, 'pepr-tls.key');
  writeFileSync(cert, deployment.tlsCert);
  writeFileSync(key, deployment.tlsKey, { mode: 0o600 });
  const api = await startFakeKubeApi({
    cert: readFileSync(join(certsDir, 'tls.crt'), 'utf8'),
    key: readFileSync(join(certsDir, 'tls.key'), 'utf8'),
    caFile: join(certsDir, 'ca.crt'),
  });
  const kubeconfig = join(workDir, 'pepr-kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfig());
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: workDir,
    ...deployment.env,
    SSL_CERT_PATH: cert,
    SSL_KEY_PATH: key,
    PEPR_API_PATH: deployment.apiPath,
    KUBECONFIG: kubeconfig,
    BENCH_PEPR_PORT: String(port),
  };
  const child = spawnPinned(cpus, process.execPath, [build.bundle], { cwd: build.workspace, env, stdio: serverStdio('pepr', logDir) });
  const stderr = tailOf(child);
  try {
    await waitForTls(port, child, 30_000, 'Pepr', stderr);
  } catch (error) {
    await api.close();
    throw error;
  }
  return { child, port, deployment, api, stderr };
}
