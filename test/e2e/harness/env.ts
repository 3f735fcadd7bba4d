/**
 * The suite's world: a control plane, the test CRDs, ztgate in its own process, registered through
 * `ztgate manifests`, and proven active by a sentinel dry run. One per suite run; each scenario works in
 * namespaces of its own.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startCluster, type Cluster, type KubectlResult } from '../control-plane/cluster.js';
import { REPO_ROOT, ensureZtgateBuilt } from './build.js';
import { list, namespaceObject, pod, serviceAccount, type Json } from './objects.js';
import { WebhookPki } from './pki.js';
import { ProcessSet, pollUntil } from './processes.js';
import { applyAsAdmin, renderWebhookConfigurations } from './registration.js';
import { ZtgateServer } from './ztgate-server.js';

export type User = 'admin' | 'alice' | 'bob';

export interface KubectlCall {
  as?: User;
  /** Sent on stdin; objects are JSON-encoded. */
  input?: string | Json;
  timeoutMs?: number;
}

/** The labels that make a namespace a mesh namespace (sidecar injection on). */
export const MESH_LABELS = { 'istio-injection': 'enabled' };
/** Listed under protection.excludeNamespaces in the suite's config. */
export const EXCLUDED_NAMESPACE = 'e2e-excluded';
/**
 * The Istio root namespace (policy.istioRootNamespace's default), excluded from protection as users do to
 * spare istio-cni and the gateways: its mesh-wide policy still goes to mesh-root.ztgate.io.
 */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';
/** Protected, no mesh: the sentinel dry runs go here. */
export const SENTINEL_NAMESPACE = 'e2e-sentinel';

/** A namespace label the suite's config treats as network identity (protection.identityLabels). */
export const TEAM_LABEL = 'e2e.ztgate.io/team';

/** policy.allowedExternalIPs in the suite's config (ZT-NET-008). */
export const ALLOWED_EXTERNAL_IPS = '198.51.100.0/24';

/** A custom rule of the suite's config on ConfigMaps carrying this label (the custom-rules scenario). */
export const ENDPOINTS_RULE = 'e2e-endpoint-urls';
export const ENDPOINTS_LABEL = 'e2e.ztgate.io/endpoints';

export const E2E_CONFIG = `# ztgate config of the e2e suite.
invariants:
  ZT-POD-002: warn          # the warn-mode scenario: hostNetwork is admitted with a Warning
protection:
  excludeNamespaces: [${EXCLUDED_NAMESPACE}, ${ISTIO_ROOT_NAMESPACE}]   # the scope scenario: the Istio root's Pods are not judged, its mesh-wide policy is
  identityLabels: [${TEAM_LABEL}]   # the namespace scenario: a network identity only owners set
policy:
  allowedExternalIPs: [${ALLOWED_EXTERNAL_IPS}]   # the Services scenario: the one range a Service may claim
rules:
  # The custom-rules scenario: a kind no invariant needs, sent by the registration rendered from this config
  # (rules-ignore.ztgate.io, failing open like the rule).
  - name: ${ENDPOINTS_RULE}
    failurePolicy: Ignore
    match:
      apiGroups: [""]
      kinds: [ConfigMap]
      objectSelector: {matchLabels: {${ENDPOINTS_LABEL}: "true"}}
    validations:
      - expression: "!has(object.data) || object.data.all(k, object.data[k].startsWith('https://'))"
        message: endpoint ConfigMaps hold only https URLs
`;

export const ZTGATE_SYSTEM = 'ztgate-system';

export interface E2E {
  cluster: Cluster;
  ztgate: ZtgateServer;
  pki: WebhookPki;
  processes: ProcessSet;
  /** Suite work dir (certs, config, logs); removed at teardown unless ZTGATE_E2E_KEEP=1. */
  dir: string;
  certDir: string;
  caFile: string;
  /** The two webhook configurations as rendered by `ztgate manifests` and applied. */
  registration: Json[];
  /** Milliseconds per setup phase, for the README's timing table. */
  timings: Record<string, number>;
  kubectl(args: string[], call?: KubectlCall): Promise<KubectlResult>;
  /** A fresh namespace (name `${prefix}-N`) with ServiceAccounts `default` plus `serviceAccounts`. */
  namespace(prefix: string, o?: { mesh?: boolean; serviceAccounts?: string[]; labels?: Record<string, string> }): Promise<string>;
  /** Waits until ztgate injects into dry-run Pods of `namespace` (it learns namespace labels by a watch). */
  waitForMesh(namespace: string, serviceAccountName: string): Promise<void>;
  /** Waits until the sentinel dry run is denied with ZT-POD-001: the validating webhook answers. */
  waitForWebhook(timeoutMs?: number): Promise<void>;
  /** Log tails of ztgate and kube-apiserver, for failure messages. */
  diagnostics(): string;
  teardown(): Promise<void>;
}

export function denialOf(r: KubectlResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

async function installCrds(cluster: Cluster): Promise<void> {
  const dir = join(REPO_ROOT, 'test', 'e2e', 'crds');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
  const ours = join(REPO_ROOT, 'deploy', 'crds', 'zerotrustrule.yaml');
  if (existsSync(ours)) files.push(ours);
  for (const file of files) {
    const r = await cluster.kubectl(['apply', '-f', '-'], { input: await readFile(file, 'utf8') });
    if (r.code !== 0) throw new Error(`installing ${file} failed: ${r.stderr}`);
  }
  const r = await cluster.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  if (r.code !== 0) throw new Error(`CRDs did not become established: ${r.stderr}`);
}

export async function setupEnv(log: (line: string) => void): Promise<E2E> {
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const value = await fn();
    timings[name] = Date.now() - t0;
    log(`${name}: ${timings[name]} ms`);
    return value;
  };

  const built = await phase('ztgate build', ensureZtgateBuilt);
  log(`ztgate dist/: ${built}`);
  // With the ServiceAccount admission plugin, as in every real cluster: it mounts a token volume with a
  // random name into every container, ztgate's injected ones too (it runs again after the webhooks).
  const cluster = await phase('control plane', () => startCluster({ serviceAccountAdmission: true }));
  const processes = new ProcessSet();
  const dir = await mkdtemp(join(tmpdir(), 'ztgate-e2e-suite-'));
  let ztgate: ZtgateServer | undefined;
  const diagnostics = (): string =>
    `--- ztgate log (tail) ---\n${ztgate?.logTail() ?? '(not started)'}\n--- kube-apiserver log (tail) ---\n${cluster.logs().apiserver.split('\n').slice(-30).join('\n')}`;
  const teardown = async (): Promise<void> => {
    await processes.stopAll();
    await cluster.stop();
    if (process.env['ZTGATE_E2E_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };

  try {
    const kubectl = (args: string[], call: KubectlCall = {}): Promise<KubectlResult> => {
      const input = call.input === undefined ? undefined : typeof call.input === 'string' ? call.input : JSON.stringify(call.input);
      return cluster.kubectl(args, {
        kubeconfig: cluster.kubeconfigFor(call.as ?? 'admin'),
        ...(input === undefined ? {} : { input }),
        ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}),
      });
    };
    const must = async (args: string[], call: KubectlCall = {}): Promise<KubectlResult> => {
      const r = await kubectl(args, call);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${denialOf(r)}`);
      return r;
    };

    await phase('CRDs', () => installCrds(cluster));

    // Certificates and config.
    const certDir = join(dir, 'certs');
    const caFile = join(dir, 'ca.crt');
    const pki = WebhookPki.create('ztgate e2e CA');
    await phase('serving certificate', async () => {
      await mkdir(certDir, { recursive: true });
      pki.writeCa(caFile);
      pki.writeServing(certDir, ['127.0.0.1']);
    });
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, E2E_CONFIG);

    // Namespaces the harness itself relies on; ztgate-system is where ztgate would be installed. Every
    // namespace gets its `default` ServiceAccount, as the controller manager (not run here) makes it.
    await must(['apply', '-f', '-'], {
      input: list([
        serviceAccount('default', 'kube-system'),
        serviceAccount('default', 'default'),
        namespaceObject(SENTINEL_NAMESPACE),
        serviceAccount('default', SENTINEL_NAMESPACE),
        namespaceObject(EXCLUDED_NAMESPACE),
        serviceAccount('default', EXCLUDED_NAMESPACE),
        namespaceObject(ISTIO_ROOT_NAMESPACE),
        serviceAccount('default', ISTIO_ROOT_NAMESPACE),
        namespaceObject(ZTGATE_SYSTEM),
        serviceAccount('default', ZTGATE_SYSTEM),
      ]),
    });

    // The port must be known before registration; a restart reuses it.
    const server = await phase('ztgate start', async () => {
      for (let attempt = 1; ; attempt++) {
        const candidate = new ZtgateServer({
          processes,
          dir,
          port: await freePort(),
          certFile: join(certDir, 'tls.crt'),
          keyFile: join(certDir, 'tls.key'),
          caPem: pki.ca.certPem,
          configFile,
          kubeconfig: cluster.kubeconfigAdmin,
        });
        ztgate = candidate;
        try {
          await candidate.start();
          return candidate;
        } catch (error) {
          await candidate.stop();
          if (attempt < 3 && /EADDRINUSE/.test(candidate.logText())) continue;
          throw error;
        }
      }
    });

    const registration = await phase('registration', async () => {
      const objects = await renderWebhookConfigurations(server.url, caFile, configFile);
      await applyAsAdmin(cluster, objects);
      return objects;
    });

    const sentinel = pod('sentinel', SENTINEL_NAMESPACE, { serviceAccountName: 'default' });
    const waitForWebhook = async (timeoutMs = 60_000): Promise<void> => {
      await pollUntil(
        'the sentinel dry run to be denied with ZT-POD-001 (webhook active)',
        timeoutMs,
        async () => {
          const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: sentinel });
          return r.code !== 0 && r.stderr.includes('ZT-POD-001') ? true : undefined;
        },
        diagnostics,
        500,
      );
    };
    await phase('webhook active', () => waitForWebhook());

    let counter = 0;
    const namespace: E2E['namespace'] = async (prefix, o = {}) => {
      const name = `${prefix}-${++counter}`;
      const labels = { ...(o.mesh ? MESH_LABELS : {}), ...(o.labels ?? {}) };
      const sas = ['default', ...(o.serviceAccounts ?? [])];
      await must(['apply', '-f', '-'], { input: list([namespaceObject(name, labels), ...sas.map((sa) => serviceAccount(sa, name))]) });
      return name;
    };
    const waitForMesh: E2E['waitForMesh'] = async (ns, sa) => {
      const probe = pod('mesh-probe', ns, { serviceAccountName: sa });
      await pollUntil(
        `ztgate to inject in namespace ${ns}`,
        30_000,
        async () => {
          const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: probe });
          return r.code === 0 && r.stdout.includes('"istio-proxy"') ? true : undefined;
        },
        diagnostics,
      );
    };

    return {
      cluster,
      ztgate: server,
      pki,
      processes,
      dir,
      certDir,
      caFile,
      registration,
      timings,
      kubectl,
      namespace,
      waitForMesh,
      waitForWebhook,
      diagnostics,
      teardown,
    };
  } catch (error) {
    const detail = diagnostics();
    await teardown().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${detail}`);
  }
}
