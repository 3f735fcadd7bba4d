/**
 * Smoke test of the e2e control plane itself (no ztgate involved):
 *   node --import tsx --test test/e2e/control-plane/smoke.e2e.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, type Cluster } from './cluster.js';

test('control plane: start, version, namespace + pod, RBAC, stop', { timeout: 60 * 60 * 1000 }, async (t) => {
  const t0 = Date.now();
  const cluster: Cluster = await startCluster();
  t.diagnostic(`cluster up in ${Date.now() - t0} ms at ${cluster.apiserverUrl} (bin ${cluster.binDir})`);
  let ok = false;
  try {
    assert.match(cluster.apiserverUrl, /^https:\/\/127\.0\.0\.1:\d+$/);

    // kubectl version: client and server both report v1.34.x (no skew warning).
    const v = await kubectl(['version', '-o', 'json'], { kubeconfig: cluster.kubeconfigAdmin });
    assert.equal(v.code, 0, v.stderr);
    const ver = JSON.parse(v.stdout) as {
      clientVersion: { gitVersion: string; minor: string };
      serverVersion: { gitVersion: string; minor: string };
    };
    assert.match(ver.clientVersion.gitVersion, /^v1\.34\.\d+$/);
    assert.match(ver.serverVersion.gitVersion, /^v1\.34\.\d+$/);
    assert.doesNotMatch(v.stderr, /skew/i);
    t.diagnostic(`client ${ver.clientVersion.gitVersion}, server ${ver.serverVersion.gitVersion}`);

    // Namespace + default ServiceAccount + Pod, as bob (developer).
    const bob = cluster.kubeconfigFor('bob');
    const ns = `smoke-${process.pid}`;
    const mkNs = await kubectl(['create', 'namespace', ns], { kubeconfig: bob });
    assert.equal(mkNs.code, 0, mkNs.stderr);
    await cluster.createNamespace(ns); // idempotent; adds ServiceAccount "default" as admin

    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'smoke', namespace: ns, labels: { app: 'smoke' } },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    };
    const mkPod = await kubectl(['apply', '-f', '-'], { kubeconfig: bob, input: JSON.stringify(pod) });
    assert.equal(mkPod.code, 0, mkPod.stderr);
    const got = await kubectl(['get', 'pod', 'smoke', '-n', ns, '-o', 'json'], { kubeconfig: bob });
    assert.equal(got.code, 0, got.stderr);
    assert.equal((JSON.parse(got.stdout) as { metadata: { name: string } }).metadata.name, 'smoke');

    // Server-side dry run works too (the path admission webhooks are exercised through).
    const dry = await kubectl(
      ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
      { kubeconfig: bob, input: JSON.stringify({ ...pod, metadata: { ...pod.metadata, name: 'dry' } }) },
    );
    assert.equal(dry.code, 0, dry.stderr);

    // RBAC: bob may do what the role grants and nothing more.
    const canI = async (kubeconfig: string, ...args: string[]): Promise<string> => {
      const r = await kubectl(['auth', 'can-i', ...args], { kubeconfig });
      assert.ok(r.code === 0 || r.code === 1, `auth can-i ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    assert.equal(await canI(bob, 'create', 'pods', '-n', ns), 'yes');
    assert.equal(await canI(bob, 'delete', 'deployments.apps', '-n', ns), 'yes');
    assert.equal(await canI(bob, 'create', 'cronjobs.batch', '-n', ns), 'yes');
    assert.equal(await canI(bob, 'update', 'networkpolicies.networking.k8s.io', '-n', ns), 'yes');
    // For groups with no CRD installed, `kubectl auth can-i x.group` cannot split the group off
    // (it sends resource "x.group" in group ""), so ask with an explicit SelfSubjectAccessReview.
    const review = async (kubeconfig: string, group: string, resource: string, verb: string, namespace?: string) => {
      const ssar = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group, resource, verb, ...(namespace ? { namespace } : {}) } },
      };
      const r = await kubectl(['create', '--validate=false', '-o', 'json', '-f', '-'], {
        kubeconfig,
        input: JSON.stringify(ssar),
      });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { status: { allowed: boolean } }).status.allowed;
    };
    assert.equal(await review(bob, 'crd.projectcalico.org', 'globalnetworkpolicies', 'create'), true);
    assert.equal(await review(bob, 'projectcalico.org', 'networkpolicies', 'update', ns), true);
    assert.equal(await review(bob, 'security.istio.io', 'authorizationpolicies', 'create', ns), true);
    assert.equal(await review(bob, 'networking.istio.io', 'sidecars', 'delete', ns), true);
    assert.equal(await review(bob, 'security.istio.io', 'authorizationpolicies', 'deletecollection', ns), false);
    assert.equal(await canI(bob, 'create', 'namespaces'), 'yes');
    assert.equal(await canI(bob, 'get', 'secrets', '-n', ns), 'no');
    assert.equal(await canI(bob, 'create', 'validatingwebhookconfigurations.admissionregistration.k8s.io'), 'no');
    assert.equal(await review(cluster.kubeconfigFor('alice'), 'security.istio.io', 'peerauthentications', 'list'), true);
    assert.equal(await canI(cluster.kubeconfigFor('alice'), 'delete', 'jobs.batch', '-n', ns), 'yes');
    assert.equal(await canI(cluster.kubeconfigAdmin, '*', '*'), 'yes');

    const who = await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: bob });
    assert.equal(who.code, 0, who.stderr);
    const groups = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; groups: string[] } } })
      .status.userInfo;
    assert.equal(groups.username, 'bob');
    assert.ok(groups.groups.includes('ztgate:developers'), JSON.stringify(groups));
    ok = true;
  } finally {
    if (!ok) {
      const l = cluster.logs();
      t.diagnostic('kube-apiserver log tail:');
      for (const line of l.apiserver.split('\n').slice(-30)) t.diagnostic(line);
    }
    const s0 = Date.now();
    await cluster.stop();
    t.diagnostic(`stopped in ${Date.now() - s0} ms`);
  }
  assert.match(cluster.logs().apiserver, /Serving securely|secure serving|Started/i);
});

test('control plane: ServiceAccount admission on, createNamespace() adds the default SA', { timeout: 60 * 60 * 1000 }, async () => {
  const cluster = await startCluster({ serviceAccountAdmission: true, showBuildLog: false });
  try {
    const ns = `smoke-sa-${process.pid}`;
    await cluster.createNamespace(ns);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: ns },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    };
    const r = await cluster.kubectl(['create', '-o', 'json', '-f', '-'], {
      kubeconfig: cluster.kubeconfigFor('alice'),
      input: JSON.stringify(pod),
    });
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as { spec: { serviceAccountName?: string } };
    assert.equal(created.spec.serviceAccountName, 'default');
  } finally {
    await cluster.stop();
  }
});
