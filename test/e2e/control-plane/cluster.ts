/**
 * A throwaway Kubernetes control plane (etcd + kube-apiserver, no controller-manager, no
 * scheduler, no kubelet) on 127.0.0.1, for end-to-end tests of the admission webhook.
 *
 * Binaries come from ./build.sh (built from Go modules once, then cached). PKI is generated
 * per cluster with node-forge in a temp dir that stop() removes.
 *
 * Only node: built-ins and node-forge. Nothing here blocks the event loop on a child process.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { openSync, closeSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import forge from 'node-forge';

const { pki } = forge;

// ---------------------------------------------------------------------------------------------
// Public types

export interface UserSpec {
  /** Certificate CN = Kubernetes user name. */
  name: string;
  /** Certificate O entries = Kubernetes groups. */
  groups: string[];
}

export interface StartClusterOptions {
  /**
   * Use these binaries instead of running build.sh (must contain kube-apiserver, kubectl, etcd).
   * Defaults to $ZTGATE_E2E_BIN_DIR, else whatever build.sh prints.
   */
  binDir?: string;
  /** Parent of the per-cluster temp dir. Default: os.tmpdir(). */
  baseDir?: string;
  /** Bound on waiting for etcd /health and apiserver /readyz, in ms. Default 90 000. */
  readyTimeoutMs?: number;
  /**
   * Keep the ServiceAccount admission plugin on (then every namespace needs a `default`
   * ServiceAccount before Pods can be created: see createNamespace()). Default false:
   * `--disable-admission-plugins=ServiceAccount`. Webhook admission plugins stay on either way.
   */
  serviceAccountAdmission?: boolean;
  /** Extra kube-apiserver flags, appended last (e.g. ['--v=4']). */
  extraApiserverArgs?: string[];
  /** Users besides admin/alice/bob that get a client certificate and kubeconfig. */
  extraUsers?: UserSpec[];
  /** Keep the temp dir (PKI, kubeconfigs, logs, etcd data) after stop(). Also $ZTGATE_E2E_KEEP=1. */
  keepDir?: boolean;
  /** Forward build.sh's stderr (progress of a cold build) to this process's stderr. Default true. */
  showBuildLog?: boolean;
}

export interface ClusterLogs {
  etcd: string;
  apiserver: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Path of the kubectl binary. Default: the one of the most recently started cluster. */
  kubectlPath?: string;
  /** Kill kubectl after this many ms. Default 60 000. */
  timeoutMs?: number;
}

export interface Cluster {
  /** Path of a kubeconfig for user `admin` (O=system:masters). */
  kubeconfigAdmin: string;
  /** Path of the kubeconfig of a user: 'admin', 'alice', 'bob' or one of opts.extraUsers. */
  kubeconfigFor(user: string): string;
  /** https://127.0.0.1:<port> */
  apiserverUrl: string;
  /** Directory holding kube-apiserver, kubectl and etcd. */
  binDir: string;
  /** PEM of the cluster CA (serving cert and client certs are signed by it). */
  caCertPem: string;
  /** Path of the cluster CA certificate. */
  caFile: string;
  /** Per-cluster temp dir (removed by stop() unless keepDir). */
  dir: string;
  /** kubectl() bound to this cluster's binary; kubeconfig defaults to admin. */
  kubectl(args: string[], opts?: Partial<KubectlOptions>): Promise<KubectlResult>;
  /** Creates a namespace and its `default` ServiceAccount (as admin). Idempotent. */
  createNamespace(name: string): Promise<void>;
  /** SIGTERM (then SIGKILL after a timeout) exactly the processes started, remove temp dirs. */
  stop(): Promise<void>;
  /** Current contents of the etcd and kube-apiserver logs (still available after stop()). */
  logs(): ClusterLogs;
}

export const DEFAULT_USERS: readonly UserSpec[] = [
  { name: 'alice', groups: ['ztgate:security-admins'] },
  { name: 'bob', groups: ['ztgate:developers'] },
];

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = join(HERE, 'build.sh');
const LOOPBACK = '127.0.0.1';

let defaultKubectlPath: string | undefined;

// ---------------------------------------------------------------------------------------------
// kubectl

/** Runs kubectl asynchronously; never rejects on a non-zero exit code (see `code`). */
export function kubectl(args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  const bin = opts.kubectlPath ?? defaultKubectlPath;
  if (!bin) {
    return Promise.reject(
      new Error('kubectl(): no kubectlPath given and no cluster started in this process'),
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Discovery cache next to the kubeconfig, i.e. inside the cluster's temp dir, not ~/.kube.
    KUBECACHEDIR: join(dirname(opts.kubeconfig), '.kube-cache'),
    NO_PROXY: mergeNoProxy(process.env.NO_PROXY),
    no_proxy: mergeNoProxy(process.env.no_proxy),
  };
  delete env.KUBECONFIG;
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      ['--kubeconfig', opts.kubeconfig, ...args],
      { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(err); // spawn failure (ENOENT, EACCES, ...)
          return;
        }
        let code = 0;
        if (err) {
          const e = err as { code?: number | null; signal?: string | null; killed?: boolean };
          code = typeof e.code === 'number' ? e.code : 1;
          if (e.killed || e.signal) stderr += `\n[kubectl killed: ${e.signal ?? 'timeout'}]`;
        }
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

function mergeNoProxy(v: string | undefined): string {
  const parts = (v ?? '').split(',').filter(Boolean);
  for (const h of ['127.0.0.1', 'localhost']) if (!parts.includes(h)) parts.push(h);
  return parts.join(',');
}

// ---------------------------------------------------------------------------------------------
// build.sh

/** Runs build.sh (cheap when cached) and returns the bin dir it prints last. */
export async function ensureBinaries(showBuildLog = true): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: process.env.CI ?? 'true' },
  });
  let out = '';
  let errTail = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    errTail = (errTail + d).slice(-8000);
    if (showBuildLog) process.stderr.write(d);
  });
  const [code] = (await once(child, 'close')) as [number | null];
  const binDir = out.trim().split('\n').pop()?.trim() ?? '';
  if (code !== 0 || !binDir) {
    throw new Error(`build.sh failed (exit ${code}):\n${errTail}`);
  }
  return binDir;
}

// ---------------------------------------------------------------------------------------------
// PKI

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

function generateKeyPair(): Promise<KeyPair> {
  // With a callback, node-forge delegates to node:crypto's asynchronous generateKeyPair.
  return new Promise((resolve, reject) =>
    pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }, (err, kp) =>
      err ? reject(err) : resolve(kp),
    ),
  );
}

function randomSerial(): string {
  // Positive (high bit clear), 16 bytes: Go's x509 rejects negative serials.
  const bytes = forge.random.getBytesSync(16);
  const hex = forge.util.bytesToHex(bytes);
  return '0' + hex.slice(1);
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

interface CertRequest {
  cn: string;
  orgs?: string[];
  isCA?: boolean;
  server?: { dns: string[]; ips: string[] };
  client?: boolean;
}

async function issue(req: CertRequest, ca?: Issued): Promise<Issued> {
  const kp = await generateKeyPair();
  const cert = pki.createCertificate();
  cert.publicKey = kp.publicKey;
  cert.serialNumber = randomSerial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 7 * 24 * 60 * 60 * 1000);
  const subject: forge.pki.CertificateField[] = [
    ...(req.orgs ?? []).map((o) => ({ name: 'organizationName', value: o })),
    { name: 'commonName', value: req.cn },
  ];
  cert.setSubject(subject);
  cert.setIssuer(ca ? ca.cert.subject.attributes : subject);

  const ext: object[] = [];
  if (req.isCA) {
    ext.push(
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    );
  } else {
    ext.push(
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      {
        name: 'extKeyUsage',
        serverAuth: Boolean(req.server),
        clientAuth: Boolean(req.client),
      },
      { name: 'subjectKeyIdentifier' },
    );
    if (ca) {
      ext.push({
        name: 'authorityKeyIdentifier',
        keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes(),
      });
    }
    if (req.server) {
      ext.push({
        name: 'subjectAltName',
        altNames: [
          ...req.server.dns.map((value) => ({ type: 2, value })),
          ...req.server.ips.map((ip) => ({ type: 7, ip })),
        ],
      });
    }
  }
  cert.setExtensions(ext);
  cert.sign(ca ? ca.key : kp.privateKey, forge.md.sha256.create());
  return {
    cert,
    key: kp.privateKey,
    certPem: pki.certificateToPem(cert),
    keyPem: pki.privateKeyToPem(kp.privateKey),
  };
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function kubeconfigYaml(server: string, caPem: string, user: string, c: Issued): string {
  // JSON is valid YAML; kubectl reads it as a kubeconfig.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'ztgate-e2e', cluster: { server, 'certificate-authority-data': b64(caPem) } },
      ],
      users: [
        {
          name: user,
          user: {
            'client-certificate-data': b64(c.certPem),
            'client-key-data': b64(c.keyPem),
          },
        },
      ],
      contexts: [{ name: `${user}@ztgate-e2e`, context: { cluster: 'ztgate-e2e', user } }],
      'current-context': `${user}@ztgate-e2e`,
      preferences: {},
    },
    null,
    2,
  );
}

// ---------------------------------------------------------------------------------------------
// RBAC

const RBAC_VERBS = ['create', 'update', 'patch', 'delete', 'get', 'list', 'watch'];

function rbacManifest(): string {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'ztgate-e2e:workload-editor' },
    rules: [
      // Services and ServiceAccounts: an application team ships its own (examples/app in the policy-pack scenario).
      { apiGroups: [''], resources: ['pods', 'namespaces', 'services', 'serviceaccounts'], verbs: RBAC_VERBS },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: RBAC_VERBS },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: RBAC_VERBS },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: RBAC_VERBS },
      {
        apiGroups: [
          'projectcalico.org',
          'crd.projectcalico.org',
          'security.istio.io',
          'networking.istio.io',
          // Mesh extensions too: RBAC lets bob write them, so what refuses him is ZT-NET-009.
          'extensions.istio.io',
        ],
        resources: ['*'],
        verbs: RBAC_VERBS,
      },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'ztgate-e2e:workload-editor' },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'ztgate-e2e:workload-editor',
    },
    subjects: ['ztgate:security-admins', 'ztgate:developers'].map((name) => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Group',
      name,
    })),
  };
  // ztgate's custom rules are the security team's (the policy pack ships one), not the developers'.
  const rulesRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'ztgate-e2e:rule-editor' },
    rules: [{ apiGroups: ['ztgate.io'], resources: ['zerotrustrules'], verbs: RBAC_VERBS }],
  };
  const rulesBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'ztgate-e2e:rule-editor' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ztgate-e2e:rule-editor' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ztgate:security-admins' }],
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [role, binding, rulesRole, rulesBinding] });
}

// ---------------------------------------------------------------------------------------------
// Processes

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.unref();
  srv.listen(0, LOOPBACK);
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  if (!port) throw new Error('could not allocate a loopback port');
  return port;
}

async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: boolean;
  exitInfo?: string;
}

export function launch(name: string, bin: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): Proc {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd], env, detached: false });
    const p: Proc = { name, child, logFile, exited: false };
    child.on('exit', (code, signal) => {
      p.exited = true;
      p.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    child.on('error', (err) => {
      p.exited = true;
      p.exitInfo = `spawn error: ${err.message}`;
    });
    return p;
  } finally {
    closeSync(fd); // the child has its own copy
  }
}

export async function terminate(p: Proc, graceMs: number): Promise<void> {
  const { child } = p;
  if (p.exited || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  // An unref'd, cancelled timer: a pending grace timer must not keep the test process alive.
  const ac = new AbortController();
  const timer = sleep(graceMs, 'timeout' as const, { ref: false, signal: ac.signal }).catch(
    () => 'aborted' as const,
  );
  const winner = await Promise.race([exited.then(() => 'exited' as const), timer]);
  ac.abort();
  if (winner === 'timeout') {
    if (!p.exited && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
    }
  }
}

export function tail(file: string, lines = 40): string {
  try {
    const all = readFileSync(file, 'utf8').split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

type Prober = () => Promise<boolean>;

export function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = fn(
      url,
      { method: 'GET', timeout: 3000, ...(ca ? { ca } : {}), agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, probe: Prober, procs: Proc[], deadline: number): Promise<void> {
  let lastErr = '';
  for (;;) {
    const dead = procs.find((p) => p.exited);
    if (dead) throw new Error(`${dead.name} exited (${dead.exitInfo}) while waiting for ${what}`);
    try {
      if (await probe()) return;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}`);
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// startCluster

export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const binDir =
    opts.binDir ?? process.env.ZTGATE_E2E_BIN_DIR ?? (await ensureBinaries(opts.showBuildLog ?? true));
  for (const b of ['kube-apiserver', 'kubectl', 'etcd']) {
    if (!existsSync(join(binDir, b))) throw new Error(`missing ${b} in ${binDir}`);
  }
  const kubectlPath = join(binDir, 'kubectl');
  defaultKubectlPath = kubectlPath;

  const baseDir = opts.baseDir ?? tmpdir();
  await mkdir(baseDir, { recursive: true });
  const dir = await mkdtemp(join(baseDir, 'ztgate-e2e-cluster-'));
  const keepDir = opts.keepDir ?? process.env.ZTGATE_E2E_KEEP === '1';
  const pkiDir = join(dir, 'pki');
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });

  const procs: Proc[] = [];
  let stopped = false;
  let savedLogs: ClusterLogs | undefined;
  const etcdLog = join(dir, 'etcd.log');
  const apiLog = join(dir, 'kube-apiserver.log');

  const readLogs = (): ClusterLogs => {
    const r = (f: string): string => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    };
    return { etcd: r(etcdLog), apiserver: r(apiLog) };
  };

  // Last-resort cleanup if the test process ends without stop(): kill exactly our pids.
  const emergency = (): void => {
    for (const p of procs) {
      if (!p.exited && p.child.pid !== undefined) {
        try {
          process.kill(p.child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (!keepDir) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    emergency();
    removeHooks();
    process.kill(process.pid, sig);
  };
  const removeHooks = (): void => {
    process.off('exit', emergency);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', emergency);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // apiserver first (it talks to etcd), then etcd.
    for (const p of [...procs].reverse()) await terminate(p, 15_000);
    savedLogs = readLogs();
    removeHooks();
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    // ---- PKI
    const apiserverSans = {
      dns: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
      ips: ['127.0.0.1', '10.0.0.1'],
    };
    const ca = await issue({ cn: 'ztgate-e2e-ca', isCA: true });
    const users: UserSpec[] = [
      { name: 'admin', groups: ['system:masters'] },
      ...DEFAULT_USERS,
      ...(opts.extraUsers ?? []),
    ];
    const [serving, saKeys, ...clientCerts] = await Promise.all([
      issue({ cn: 'kube-apiserver', server: apiserverSans }, ca),
      generateKeyPair(),
      ...users.map((u) => issue({ cn: u.name, orgs: u.groups, client: true }, ca)),
    ]);
    const f = (n: string): string => join(pkiDir, n);
    await Promise.all([
      writeFile(f('ca.crt'), ca.certPem),
      writeFile(f('apiserver.crt'), serving.certPem),
      writeFile(f('apiserver.key'), serving.keyPem, { mode: 0o600 }),
      writeFile(f('sa.key'), pki.privateKeyToPem(saKeys.privateKey), { mode: 0o600 }),
      writeFile(f('sa.pub'), pki.publicKeyToPem(saKeys.publicKey)),
    ]);

    // ---- processes (retry if a port picked by bind(0)+close got taken in the meantime)
    const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NO_PROXY: mergeNoProxy(process.env.NO_PROXY),
      no_proxy: mergeNoProxy(process.env.no_proxy),
    };
    let apiserverUrl = '';
    for (let attempt = 1; ; attempt++) {
      const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
      const etcdUrl = `http://${LOOPBACK}:${etcdPort}`;
      const peerUrl = `http://${LOOPBACK}:${peerPort}`;
      apiserverUrl = `https://${LOOPBACK}:${apiPort}`;
      const dataDir = join(dir, `etcd-data-${attempt}`);

      const etcd = launch(
        'etcd',
        join(binDir, 'etcd'),
        [
          '--name=ztgate-e2e',
          `--data-dir=${dataDir}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=ztgate-e2e=${peerUrl}`,
          '--initial-cluster-state=new',
          '--unsafe-no-fsync=true',
          '--log-level=warn',
        ],
        etcdLog,
        childEnv,
      );
      procs.push(etcd);
      const deadline = Date.now() + readyTimeoutMs;
      try {
        await waitFor(
          'etcd /health',
          async () => {
            const r = await get(`${etcdUrl}/health`);
            return r.status === 200 && /"health"\s*:\s*"true"/.test(r.body);
          },
          [etcd],
          deadline,
        );

        const apiArgs = [
          `--etcd-servers=${etcdUrl}`,
          `--bind-address=${LOOPBACK}`,
          `--secure-port=${apiPort}`,
          `--advertise-address=${LOOPBACK}`,
          '--endpoint-reconciler-type=none',
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${f('apiserver.crt')}`,
          `--tls-private-key-file=${f('apiserver.key')}`,
          `--client-ca-file=${f('ca.crt')}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${f('sa.pub')}`,
          `--service-account-signing-key-file=${f('sa.key')}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--allow-privileged=true',
          '--profiling=false',
          ...(opts.serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
          ...(opts.extraApiserverArgs ?? []),
        ];
        const api = launch('kube-apiserver', join(binDir, 'kube-apiserver'), apiArgs, apiLog, childEnv);
        procs.push(api);
        const caPem = ca.certPem;
        await waitFor(
          'kube-apiserver /readyz',
          async () => {
            const r = await get(`${apiserverUrl}/readyz`, caPem);
            return r.status === 200;
          },
          [etcd, api],
          deadline,
        );
        break;
      } catch (e) {
        // Capture the tails before stopping anything (shutdown noise would bury the cause).
        const logs = readLogs();
        const failure =
          `control plane did not become ready: ${(e as Error).message}\n` +
          `--- etcd log (tail) ---\n${tail(etcdLog)}\n` +
          `--- kube-apiserver log (tail) ---\n${tail(apiLog)}`;
        const portClash = /address already in use/i.test(logs.etcd + logs.apiserver);
        for (const p of [...procs].reverse()) await terminate(p, 5_000);
        procs.length = 0;
        if (portClash && attempt < 3) {
          await writeFile(etcdLog, `\n--- retry ${attempt + 1} after port clash ---\n`, { flag: 'a' });
          await writeFile(apiLog, `\n--- retry ${attempt + 1} after port clash ---\n`, { flag: 'a' });
          continue;
        }
        throw new Error(failure);
      }
    }

    // ---- kubeconfigs
    const kubeconfigs = new Map<string, string>();
    await Promise.all(
      users.map(async (u, i) => {
        const c = clientCerts[i] as Issued;
        const p = join(dir, `kubeconfig-${u.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`);
        await writeFile(p, kubeconfigYaml(apiserverUrl, ca.certPem, u.name, c), { mode: 0o600 });
        kubeconfigs.set(u.name, p);
      }),
    );
    const kubeconfigAdmin = kubeconfigs.get('admin') as string;

    const boundKubectl = (args: string[], o: Partial<KubectlOptions> = {}): Promise<KubectlResult> =>
      kubectl(args, { kubectlPath, ...o, kubeconfig: o.kubeconfig ?? kubeconfigAdmin });

    const mustKubectl = async (args: string[], input?: string): Promise<KubectlResult> => {
      const r = await boundKubectl(args, input === undefined ? {} : { input });
      if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
      }
      return r;
    };

    // ---- RBAC for alice and bob (via their groups)
    await mustKubectl(['apply', '-f', '-'], rbacManifest());

    const cluster: Cluster = {
      kubeconfigAdmin,
      kubeconfigFor(user: string): string {
        const p = kubeconfigs.get(user);
        if (!p) {
          throw new Error(`no kubeconfig for user ${user}; known: ${[...kubeconfigs.keys()].join(', ')}`);
        }
        return p;
      },
      apiserverUrl,
      binDir,
      caCertPem: ca.certPem,
      caFile: f('ca.crt'),
      dir,
      kubectl: boundKubectl,
      async createNamespace(name: string): Promise<void> {
        const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
        const sa = {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace: name },
        };
        await mustKubectl(['apply', '-f', '-'], JSON.stringify(ns));
        await mustKubectl(['apply', '-f', '-'], JSON.stringify(sa));
      },
      stop,
      logs(): ClusterLogs {
        return savedLogs ?? readLogs();
      },
    };
    return cluster;
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

