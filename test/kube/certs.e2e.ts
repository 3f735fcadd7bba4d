/**
 * The certificate manager and the deploy manifests against a real kube-apiserver:
 *   node --import tsx --test test/kube/certs.e2e.ts
 *
 * 1. `ztgate manifests --url https://127.0.0.1:PORT` applies cleanly with strict validation.
 * 2. Two replicas start at once with the ztgate ServiceAccount's token (the deploy RBAC and nothing
 *    more): one certificate set wins, both serve it.
 * 3. The API server calls a webhook served with that certificate, trusting it through the caBundle
 *    the manager wrote.
 * 4. A CA rollover keeps the API server's calls working at every step.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { manifestsCommand } from '../../src/cli/manifests.js';
import { inClusterCertificateManager } from '../../src/kube/certs/in-cluster.js';
import type { CertificateManager } from '../../src/kube/certs/manager.js';
import type { Step } from '../../src/kube/certs/plan.js';
import { inspectBundle } from '../../src/tls/inspect.js';
import { attachCertificateSource, tlsServerOptions } from '../../src/tls/options.js';
import { startCluster, type Cluster } from '../e2e/control-plane/cluster.js';
import { runCommand } from '../deploy/io.js';

const NS = 'ztgate-system';
const DAY = 86_400_000;
const WEBHOOK_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'];

type Obj = Record<string, any>;

async function freePort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function apply(cluster: Cluster, objects: Obj[]): Promise<void> {
  const input = objects.map((object) => JSON.stringify(object)).join('\n');
  const result = await cluster.kubectl(['apply', '--validate=strict', '-f', '-'], { input });
  assert.equal(result.code, 0, `kubectl apply: ${result.stderr}`);
}

async function caBundles(cluster: Cluster): Promise<string[][]> {
  const bundles: string[][] = [];
  for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
    const result = await cluster.kubectl(['get', kind, 'ztgate', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    for (const webhook of (JSON.parse(result.stdout) as Obj)['webhooks']) {
      const pem = Buffer.from(webhook['clientConfig']['caBundle'] ?? '', 'base64').toString('utf8');
      bundles.push(inspectBundle(pem).map((facts) => facts.fingerprint).sort());
    }
  }
  return bundles;
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

test('certificates and manifests against a real kube-apiserver', { timeout: 60 * 60 * 1000 }, async (t) => {
  const cluster = await startCluster();
  const managers: CertificateManager[] = [];
  try {
    // 1. Manifests: everything but the webhooks first (RBAC must exist before ztgate runs).
    const port = await freePort();
    const printed = await runCommand(manifestsCommand, ['--url', `https://127.0.0.1:${port}`]);
    const objects = parseAllDocuments(printed.stdout).map((document) => document.toJS() as Obj);
    await apply(cluster, objects.filter((object) => !WEBHOOK_KINDS.includes(object['kind'])));

    const canI = async (...args: string[]) =>
      (await cluster.kubectl(['auth', 'can-i', `--as=system:serviceaccount:${NS}:ztgate`, ...args])).stdout.trim();
    assert.equal(await canI('update', 'validatingwebhookconfigurations/ztgate'), 'yes');
    assert.equal(await canI('update', 'validatingwebhookconfigurations/someone-else'), 'no');
    assert.equal(await canI('get', 'secrets/ztgate-ca', '-n', NS), 'yes');
    assert.equal(await canI('get', 'secrets/other', '-n', NS), 'no');
    assert.equal(await canI('get', 'secrets/ztgate-ca', '-n', 'default'), 'no');
    assert.equal(await canI('list', 'namespaces'), 'yes');

    // 2. Two replicas, as the ztgate ServiceAccount, starting at once, 36 days in the past (so that
    // a CA of 400 days is due for rotation "now", while every certificate is valid in real time).
    const token = await cluster.kubectl(['create', 'token', 'ztgate', '-n', NS, '--duration=2h']);
    assert.equal(token.code, 0, token.stderr);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'e2e', server: cluster.apiserverUrl, caData: Buffer.from(cluster.caCertPem).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'ztgate', token: token.stdout.trim() }],
      contexts: [{ name: 'e2e', cluster: 'e2e', user: 'ztgate' }],
      currentContext: 'e2e',
    });
    let clock = Date.now() - 36 * DAY;
    const steps: Record<string, Step['action'][]> = { a: [], b: [] };
    for (const name of ['a', 'b']) {
      managers.push(
        inClusterCertificateManager({
          namespace: NS,
          replica: name,
          kubeConfig,
          extraHosts: ['127.0.0.1'],
          caValidityDays: 400,
          now: () => new Date(clock),
          onStep: (step) => steps[name]!.push(step.action),
        }),
      );
    }
    const [a, b] = managers as [CertificateManager, CertificateManager];
    const [sourceA, sourceB] = await Promise.all([a.start(), b.start()]);
    a.stop();
    b.stop();
    assert.equal(sourceA.current().cert, sourceB.current().cert, 'one certificate set won');
    const secrets = await cluster.kubectl(['get', 'secrets', '-n', NS, '-o', 'json']);
    const tlsSecrets = (JSON.parse(secrets.stdout) as Obj)['items'].filter((s: Obj) => s['type'] === 'kubernetes.io/tls');
    assert.deepEqual(tlsSecrets.map((s: Obj) => s['metadata']['name']).sort(), ['ztgate-ca', 'ztgate-tls']);
    t.diagnostic(`a: ${steps['a']!.join(', ')}; b: ${steps['b']!.join(', ')}`);

    // 3. Webhooks registered after ztgate started get their caBundle on the next pass.
    await apply(cluster, objects.filter((object) => WEBHOOK_KINDS.includes(object['kind'])));
    await a.reconcile();
    const caFingerprint = inspectBundle(sourceA.current().ca ?? '')[0]!.fingerprint;
    const registered = await caBundles(cluster);
    assert.ok(registered.length >= 2);
    assert.deepEqual(registered, registered.map(() => [caFingerprint]));

    // A webhook answering "allowed", served with replica a's certificate, noting which one it used.
    const seen: string[] = [];
    const server = createHttpsServer(tlsServerOptions(sourceA), (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
        // The certificate this connection was accepted with, which is what the API server verified.
        seen.push((req.socket as TLSSocket).getX509Certificate()?.fingerprint256 ?? 'none');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review['request']['uid'], allowed: true } }));
      });
    });
    attachCertificateSource(server, sourceA);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');

    await cluster.createNamespace('e2e-certs');
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probe', namespace: 'e2e-certs' },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    });
    /** A server dry-run of a Pod; retried while the API server loads new webhook settings (about 1 s). */
    const admittedWith = async (expected: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      let last = '';
      for (;;) {
        const before = seen.length;
        const result = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: pod });
        last = result.stderr;
        if (result.code === 0 && seen.slice(before).includes(expected)) return;
        if (Date.now() > deadline) assert.fail(`the API server did not admit through ztgate's certificate: ${last}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await admittedWith(fingerprint(sourceA.current().cert));

    // 4. CA rollover.
    clock = Date.now();
    const oldLeaf = fingerprint(sourceA.current().cert);
    await a.reconcile();
    const bundles = await caBundles(cluster);
    assert.equal(bundles[0]!.length, 2, 'old and new CA in the caBundle');
    assert.equal(fingerprint(sourceA.current().cert), oldLeaf, 'the old certificate is served while the new CA travels');
    await admittedWith(oldLeaf);

    clock += 2 * 60_000;
    await a.reconcile();
    const newLeaf = fingerprint(sourceA.current().cert);
    assert.notEqual(newLeaf, oldLeaf);
    server.closeAllConnections(); // the API server reconnects and meets the new certificate
    await admittedWith(newLeaf);

    await b.reconcile();
    clock += 3 * 3_600_000;
    await a.reconcile();
    const pruned = await caBundles(cluster);
    assert.deepEqual(pruned, pruned.map(() => pruned[0]));
    assert.equal(pruned[0]!.length, 1, 'the old CA left the caBundle');
    server.closeAllConnections();
    await admittedWith(newLeaf);

    server.close();
  } finally {
    for (const manager of managers) manager.stop();
    await cluster.stop();
  }
});
