/**
 * The image as the Dockerfile builds it and as the shipped Deployment starts it, without a container
 * engine (test/deploy/image.ts runs the Dockerfile's steps on the host). The runtime tree is made
 * read-only and the server runs as the Dockerfile's USER, with the Deployment's args, env and volumes
 * (the ConfigMap's config.yaml, an emptyDir at /tmp), so a file the image lacks, a dev dependency
 * imported at run time or a write outside /tmp fails here rather than in a cluster.
 *
 * One difference, on purpose: the Deployment's `--manage-certs` keeps the certificate in a Secret through
 * the Kubernetes API, which this test has none of; the server gets `--tls-cert`/`--tls-key` from a
 * mounted directory instead, the other way operations.md documents.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { createCertificateAuthority, issueServingCertificate } from '../../src/tls/pki.js';
import { freePort, get } from '../e2e/control-plane/cluster.js';
import { buildWithoutEngine, hostPath, type BuiltImage } from './image.js';
import { REPO } from './kubectl.js';

const log = (line: string): void => void process.stderr.write(`# image ${line}\n`);

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Manifests {
  container: Container;
  runAsUser: number;
  volumes: { name: string; configMap?: { name: string }; emptyDir?: object }[];
  configMaps: Map<string, Record<string, string>>;
}

function shippedManifests(): Manifests {
  const objects = ['deployment.yaml', 'config.yaml']
    .flatMap((file) => parseAllDocuments(readFileSync(join(REPO, 'deploy', file), 'utf8')).map((doc) => doc.toJS() as Record<string, any>))
    .filter(Boolean);
  const deployment = objects.find((object) => object['kind'] === 'Deployment');
  assert.ok(deployment, 'deploy/deployment.yaml holds the Deployment');
  const pod = deployment['spec']['template']['spec'];
  const configMaps = new Map<string, Record<string, string>>();
  for (const object of objects) if (object['kind'] === 'ConfigMap') configMaps.set(object['metadata']['name'], object['data']);
  return { container: pod['containers'][0], runAsUser: pod['securityContext']['runAsUser'], volumes: pod['volumes'], configMaps };
}

/** Container paths to host directories: the volume mounts, then the image's tree. */
class Filesystem {
  private readonly mounts: { inside: string; host: string }[] = [];

  constructor(readonly image: BuiltImage) {}

  mount(inside: string, host: string): void {
    this.mounts.push({ inside: posix.normalize(inside), host });
    this.mounts.sort((a, b) => b.inside.length - a.inside.length);
  }

  toHost(inside: string): string {
    const path = posix.resolve(this.image.workdir, inside);
    for (const { inside: at, host } of this.mounts) {
      if (path === at || path.startsWith(`${at}/`)) return join(host, path.slice(at.length));
    }
    return hostPath(this.image.root, path);
  }

  /** An environment value that is an absolute path points into the container's filesystem. */
  mapValue(value: string): string {
    return value.startsWith('/') ? this.toHost(value) : value;
  }
}

function walk(dir: string, visit: (path: string) => void): void {
  visit(dir);
  if (!statSync(dir).isDirectory()) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) walk(path, visit);
    else visit(path);
  }
}

function post(url: string, body: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, agent: false, timeout: 10_000, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

function review(operation: string, namespace: string, pod: Record<string, unknown>): string {
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  const resource = { group: '', version: 'v1', resource: 'pods' };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `image-${operation.toLowerCase()}-1`,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      namespace,
      operation,
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      dryRun: false,
    },
  });
}

const HOST_NETWORK_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } },
  spec: { hostNetwork: true, containers: [{ name: 'app', image: 'registry.example/web:1.0' }] },
};

describe('the image, built from the Dockerfile without an engine and started as the Deployment starts it', { timeout: 20 * 60 * 1000 }, () => {
  let work: string;
  let image: BuiltImage;
  let fs: Filesystem;
  let manifests: Manifests;
  let runAs: { uid: number; gid: number } | undefined;
  let baseEnv: NodeJS.ProcessEnv;
  let ca: string;
  let server: ChildProcess | undefined;
  let serverExit: Promise<[number | null, NodeJS.Signals | null]> | undefined;
  let serverLog: string;
  let port: number;
  let metricsPort: number;

  /** `node <entrypoint script> ...args` in the image, as its USER, with the container's environment. */
  function imageCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const [program, ...entry] = image.entrypoint;
    assert.equal(program, 'node', 'the entrypoint runs node');
    return new Promise((resolve) => {
      execFile(process.execPath, [...entry, ...args], { cwd: fs.toHost(image.workdir), env: baseEnv, ...(runAs ?? {}), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function repoCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ztgate-image-'));
    // The image's user must be able to reach the tree (mkdtemp makes 0700).
    chmodSync(work, 0o755);
    const started = Date.now();
    image = await buildWithoutEngine({
      context: REPO,
      dockerfile: readFileSync(join(REPO, 'Dockerfile'), 'utf8'),
      into: join(work, 'build'),
      // Same packages as the Dockerfile's npm ci, from npm's cache when it has them.
      runEnv: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    });
    for (const run of image.runs) log(`RUN ${run.command.slice(0, 60)}: ${run.seconds.toFixed(1)} s`);
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // readOnlyRootFilesystem: nothing under the image's tree may be written at run time.
    walk(image.root, (path) => chmodSync(path, statSync(path).mode & ~0o222));

    manifests = shippedManifests();
    fs = new Filesystem(image);
    const asRoot = process.getuid?.() === 0;
    runAs = asRoot ? image.user : undefined;
    if (!asRoot) log('not root: the server runs as this user; the tree is still read-only to it');

    for (const mount of manifests.container.volumeMounts) {
      const volume = manifests.volumes.find((v) => v.name === mount.name);
      assert.ok(volume, `volume ${mount.name}`);
      const dir = join(work, 'volumes', mount.name);
      mkdirSync(dir, { recursive: true });
      if (volume.configMap) {
        const data = manifests.configMaps.get(volume.configMap.name);
        assert.ok(data, `ConfigMap ${volume.configMap.name} ships in deploy/`);
        for (const [file, text] of Object.entries(data)) writeFileSync(join(dir, file), text, { mode: 0o644 });
        chmodSync(dir, 0o555);
      } else if (volume.emptyDir) {
        chmodSync(dir, 0o777);
      } else {
        assert.fail(`volume ${mount.name}: the test knows configMap and emptyDir volumes`);
      }
      fs.mount(mount.mountPath, dir);
    }
    const tlsDir = join(work, 'volumes', 'serving-cert');
    mkdirSync(tlsDir, { recursive: true });
    const authority = createCertificateAuthority({ commonName: 'ztgate image test CA', validityDays: 1, now: new Date() });
    const leaf = issueServingCertificate({ ca: authority, hosts: ['127.0.0.1', 'localhost'], validityDays: 1, now: new Date() });
    ca = authority.certPem;
    // A Secret volume's files are 0644 unless defaultMode says otherwise.
    writeFileSync(join(tlsDir, 'tls.crt'), leaf.certPem, { mode: 0o644 });
    writeFileSync(join(tlsDir, 'tls.key'), leaf.keyPem, { mode: 0o644 });
    fs.mount('/var/run/ztgate/tls', tlsDir);

    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin' };
    for (const [name, value] of Object.entries(image.env)) env[name] = fs.mapValue(value);
    const fieldValues: Record<string, string> = { 'metadata.name': 'ztgate-7c9d8-abcde', 'metadata.namespace': 'ztgate-system' };
    for (const variable of manifests.container.env) {
      const field = variable.valueFrom?.fieldRef?.fieldPath;
      const value = field === undefined ? variable.value : fieldValues[field];
      assert.ok(value !== undefined, `env ${variable.name}: the test knows values and the fieldRefs ${Object.keys(fieldValues).join(', ')}`);
      env[variable.name] = fs.mapValue(value);
    }
    baseEnv = env;
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await serverExit;
    }
    if (work && existsSync(work)) {
      walk(work, (path) => chmodSync(path, statSync(path).mode | 0o200));
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('the runtime tree holds the compiled program, production dependencies, deploy/ and docs/, and nothing else', () => {
    const app = fs.toHost(image.workdir);
    assert.deepEqual(readdirSync(app).sort(), ['deploy', 'dist', 'docs', 'node_modules', 'package.json']);
    // The lock file marks what only development needs (`dev`); a package a production dependency also
    // needs (as @types/node is for @kubernetes/client-node) is not marked and stays.
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
    const installed = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'));
    assert.ok(installed.some(([, entry]) => entry.dev), 'the lock file has dev-only packages to prune');
    for (const [path, entry] of installed) {
      if (entry.dev) assert.ok(!existsSync(join(app, path)), `${path} is only for development and is pruned`);
      else if (!entry.optional && !entry.devOptional) assert.ok(existsSync(join(app, path, 'package.json')), `${path} is installed`);
    }
    assert.ok(existsSync(join(app, 'dist', 'cli', 'main.js')), 'dist/cli/main.js is built');
    const sources: string[] = [];
    walk(join(app, 'dist'), (path) => void (/\.ts$/.test(path) && !/\.d\.ts$/.test(path) && sources.push(path)));
    assert.deepEqual(sources, [], 'no TypeScript sources in dist/');
    assert.equal(image.user.uid, manifests.runAsUser, "the image's USER is the Deployment's runAsUser");
  });

  test('`version`, `manifests` and `explain` in the image print what they print from the repository', async () => {
    for (const args of [['version'], ['manifests'], ['explain', 'ZT-POD-001']]) {
      const [inImage, fromRepo] = await Promise.all([imageCommand(args), repoCommand(args)]);
      assert.equal(inImage.code, 0, `ztgate ${args.join(' ')} in the image: ${inImage.stderr}`);
      assert.equal(fromRepo.code, 0, `ztgate ${args.join(' ')} from the repository: ${fromRepo.stderr}`);
      assert.ok(inImage.stdout.length > 0, `ztgate ${args.join(' ')} printed something`);
      assert.equal(inImage.stdout, fromRepo.stdout, `ztgate ${args.join(' ')}`);
    }
  });

  test('`serve` with the Deployment\'s args and env becomes ready as the image\'s USER on the read-only tree', async () => {
    port = await freePort();
    metricsPort = await freePort();
    const tls = ['--tls-cert=/var/run/ztgate/tls/tls.crt', '--tls-key=/var/run/ztgate/tls/tls.key'];
    const args = manifests.container.args.flatMap((arg) => {
      if (arg === '--manage-certs') return tls.map((flag) => flag.replace(/=(.*)$/, (_, path: string) => `=${fs.toHost(path)}`));
      if (arg.startsWith('--host=')) return ['--host=127.0.0.1'];
      if (arg.startsWith('--port=')) return [`--port=${port}`];
      if (arg.startsWith('--metrics-port=')) return [`--metrics-port=${metricsPort}`];
      return [arg];
    });
    assert.ok(args.includes(`--port=${port}`) && args.includes(`--metrics-port=${metricsPort}`), `the Deployment's args set both ports: ${manifests.container.args.join(' ')}`);
    const [program, ...entry] = image.entrypoint;
    assert.equal(program, 'node');
    serverLog = join(work, 'serve.log');
    // The server writes through the descriptor it inherits, as a container's stdout.
    const fd = openSync(serverLog, 'a');
    try {
      server = spawn(process.execPath, [...entry, ...args], { cwd: fs.toHost(image.workdir), env: baseEnv, stdio: ['ignore', fd, fd], ...(runAs ?? {}) });
    } finally {
      closeSync(fd);
    }
    serverExit = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) assert.fail(`ztgate exited before it was ready:\n${readFileSync(serverLog, 'utf8')}`);
      try {
        const ready = await get(`http://127.0.0.1:${metricsPort}/readyz`);
        if (ready.status === 200) break;
        last = `${ready.status} ${ready.body}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) assert.fail(`not ready in 30 s (last: ${last}):\n${readFileSync(serverLog, 'utf8')}`);
      await sleep(200);
    }
    assert.equal((await get(`http://127.0.0.1:${metricsPort}/healthz`)).status, 200);
    // The version comes from the image's package.json, read at run time.
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`)).body;
    assert.ok(metrics.includes(`ztgate_build_info{version="${version}",node="${process.version}"} 1\n`), metrics);
  });

  const answers: { name: string; path: string; cli: string[]; body: string; expect: RegExp }[] = [
    { name: 'validate', path: '/validate', cli: [], body: review('CREATE', 'shop', HOST_NETWORK_POD), expect: /"allowed":false.*ZT-POD-002/ },
    { name: 'mutate', path: '/mutate', cli: ['--webhook', 'mutate'], body: review('CREATE', 'shop', HOST_NETWORK_POD), expect: /"allowed":true,"patchType":"JSONPatch"/ },
  ];
  for (const answer of answers) {
    test(`the served ${answer.name} answer is byte for byte \`ztgate review\`'s in the same image`, async () => {
      assert.ok(server, 'the server started (previous test)');
      const served = await post(`https://127.0.0.1:${port}${answer.path}`, answer.body, ca);
      assert.equal(served.status, 200, served.body);
      assert.match(served.body, answer.expect);
      const file = fs.toHost(`/tmp/${answer.name}-review.json`);
      writeFileSync(file, answer.body, { mode: 0o644 });
      const offline = await imageCommand(['review', ...answer.cli, '-f', file]);
      assert.equal(offline.code, 0, offline.stderr);
      assert.equal(offline.stdout, served.body);
    });
  }

  test('SIGTERM: ztgate drains and exits 0, having logged no error and written nothing outside /tmp', async () => {
    assert.ok(server && serverExit, 'the server started');
    server.kill('SIGTERM');
    const [code, signal] = await serverExit;
    const text = readFileSync(serverLog, 'utf8');
    assert.equal(signal, null, text);
    assert.equal(code, 0, text);
    const records = text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: number; msg?: string });
    assert.ok(records.length > 0, `pino lines in the log:\n${text}`);
    const errors = records.filter((record) => (record.level ?? 0) >= 50);
    assert.deepEqual(errors, [], 'no error or fatal lines');
    assert.doesNotMatch(text, /EACCES|EROFS|EPERM/, 'no write was refused');
  });
});
