import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ztgate-check-'));
before(() => {
  writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n');
  writeFileSync(join(dir, 'bad-config.yaml'), 'policy:\n  tiers:\n    - name: security\n      owners:\n        groups: admins\n');
  writeFileSync(join(dir, 'good.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccountName: web\n  containers: [{name: a, image: b}]\n');
  writeFileSync(join(dir, 'list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { containers: [{ name: 'a', image: 'b' }] } }] }));
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ztgate check exit statuses', () => {
  test('broken YAML exits 2 naming the file, line and column', async () => {
    const result = await runCli(['check', '-f', join(dir, 'broken.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /broken\.yaml:\d+:\d+: invalid YAML/);
  });
  test('an unreadable path exits 2 naming it', async () => {
    const result = await runCli(['check', '-f', join(dir, 'missing.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read .*missing\.yaml: ENOENT/);
  });
  test('an invalid config exits 2 naming the path in the config', async () => {
    const result = await runCli(['check', '-f', join(dir, 'good.yaml'), '--config', join(dir, 'bad-config.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /policy\.tiers\[0\]\.owners\.groups: expected a list of strings/);
  });
  test('all admitted exits 0; an unknown kind is reported and skipped, not fatal', async () => {
    const result = await runCli(['check', '-f', join(dir, 'good.yaml'), '-f', join(dir, 'nested')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Widget w: skipped: unknown kind Widget \(example\.com\/v1\)/);
  });
  test('a denial exits 1; List items and --namespace are honoured', async () => {
    const result = await runCli(['check', '-f', join(dir, 'list.json'), '--namespace', 'shop', '-o', 'json']);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout);
    assert.equal(report.results[0].namespace, 'shop');
    assert.equal(report.results[0].violations[0].id, 'ZT-POD-001');
  });
  test('stdin with -', async () => {
    const result = await runCli(['check', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: s, namespace: shop}\nspec: {containers: [{name: a, image: b}]}\n');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /<stdin>:1 \[doc 0\] Pod shop\/s: denied/);
  });
  test('an unknown output format exits 2', async () => {
    const result = await runCli(['check', '-f', join(dir, 'good.yaml'), '-o', 'xml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--output: expected one of text, json, sarif/);
  });
});

describe('ztgate check says what its config leaves off, as serve logs it', () => {
  const config = [
    'policy:',
    '  allowedExternalIPs: [0.0.0.0/0]',
    'rules:',
    '  - name: typed-wrong',
    '    match: {kinds: [Pod]}',
    '    validations:',
    "      - expression: \"size(object.spec.containers) + 'x' == 'y'\"",
    '  - name: unparsable',
    '    match: {kinds: [Pod]}',
    '    validations:',
    "      - expression: 'object.spec.('",
    '  - name: leases',
    '    match: {kinds: [Lease]}',
    '    validations:',
    "      - expression: 'true'",
    '',
  ].join('\n');
  before(() => writeFileSync(join(dir, 'noisy-config.yaml'), config));

  test('load errors, checks left off, unreachable matches and type errors go to stderr, one line each', async () => {
    const result = await runCli(['check', '-f', join(dir, 'good.yaml'), '--config', join(dir, 'noisy-config.yaml'), '-o', 'json']);
    const where = ` in ${join(dir, 'noisy-config.yaml')}: `;
    const lines = result.stderr.trimEnd().split('\n').map((line) => line.replace(where, ': '));
    const expected = [
      /^ztgate check: error: rule unparsable rules\[1\]\.validations\[0\]\.expression: failed to load: line 1, column \d+: /,
      /^ztgate check: warning: policy\.allowedExternalIPs lists 0\.0\.0\.0\/0, so any Service may claim any IPv4 address \(ZT-NET-008\)/,
      /^ztgate check: warning: rule "leases" \(ZT-RULE-002\): ztgate is never sent kind Lease \(match\.kinds\[0\]\)/,
      /^ztgate check: warning: rule typed-wrong rules\[0\]\.validations\[0\]\.expression: type error kube-apiserver would refuse, loaded unchecked: line 1, column 30: found no matching overload for '_\+_' applied to '\(int, string\)'$/,
    ];
    assert.equal(lines.length, expected.length, result.stderr);
    expected.forEach((pattern, i) => assert.match(lines[i]!, pattern));
    // stdout stays the report alone, so `-o json` can still be piped.
    assert.doesNotThrow(() => JSON.parse(result.stdout));
  });
  test('the embedded default config has nothing to say', async () => {
    const result = await runCli(['check', '-f', join(dir, 'good.yaml')]);
    assert.equal(result.stderr, '');
  });
  test('ztgate review says the same', async () => {
    const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, operation: 'CREATE', userInfo: { username: 'u' }, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } } } };
    const result = await runCli(['review', '--config', join(dir, 'noisy-config.yaml'), '-f', '-'], JSON.stringify(review));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^ztgate review: error in .*noisy-config\.yaml: rule unparsable /);
    assert.equal(result.stderr.trimEnd().split('\n').length, 4);
  });
});

describe('ztgate check with ZeroTrustRules in its input', () => {
  const rule = (expression: string) =>
    `apiVersion: ztgate.io/v1alpha1\nkind: ZeroTrustRule\nmetadata: {name: no-latest-tag}\nspec:\n  match: {kinds: [Pod]}\n  validations:\n    - expression: "${expression}"\n      message: no latest tag\n`;
  const latest = 'apiVersion: v1\nkind: Pod\nmetadata: {name: latest, namespace: shop}\nspec:\n  serviceAccountName: web\n  containers: [{name: a, image: "registry.example.com/a:latest"}]\n';

  /** Checks the rule with `expression` and the Pod in one input; every run denies something (exit 1). */
  async function checkWith(expression: string, flags: string[] = []): Promise<Record<string, { verdict: string; violations: { id: string; message: string }[] }>> {
    const result = await runCli(['check', '-f', '-', '-o', 'json', ...flags], `${rule(expression)}---\n${latest}`);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { results: { kind: string; verdict: string; violations: { id: string; message: string }[] }[] };
    return Object.fromEntries(report.results.map((r) => [r.kind, r]));
  }

  test('apply to the other objects, as they would in the cluster', async () => {
    const byKind = await checkWith("object.spec.containers.all(c, !c.image.endsWith(':latest'))");
    assert.equal(byKind['ZeroTrustRule']!.verdict, 'admitted');
    assert.equal(byKind['Pod']!.verdict, 'denied');
    assert.deepEqual(byKind['Pod']!.violations.map((v) => v.id), ['rule:no-latest-tag']);
  });

  test('one that does not compile is denied (ZT-RULE-001) and applies to nothing', async () => {
    const byKind = await checkWith("objct.spec.containers.all(c, !c.image.endsWith(':latest'))");
    assert.equal(byKind['ZeroTrustRule']!.verdict, 'denied');
    assert.deepEqual(byKind['ZeroTrustRule']!.violations.map((v) => v.id), ['ZT-RULE-001']);
    assert.equal(byKind['Pod']!.verdict, 'admitted', JSON.stringify(byKind['Pod']!.violations));
  });

  test('read back from a cluster (--no-mutate), a broken one is stored there, and fails where it applies', async () => {
    const byKind = await checkWith("objct.spec.containers.all(c, !c.image.endsWith(':latest'))", ['--no-mutate']);
    assert.equal(byKind['Pod']!.verdict, 'denied');
    assert.deepEqual(byKind['Pod']!.violations.map((v) => v.id), ['rule:no-latest-tag']);
    assert.match(byKind['Pod']!.violations[0]!.message, /ZT-RULE no-latest-tag: the rule did not load: spec\.validations\[0\]\.expression: line 1, column 1: undeclared reference to 'objct'/);
  });
});

describe('ztgate check --no-mutate: objects as stored in a cluster', () => {
  const meshNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh', labels: { 'istio-injection': 'enabled' } } };
  const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'mesh' }, spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example/app:1' }] } };

  test('a Pod in a mesh namespace without its proxy is injected by default, and a finding as stored', async () => {
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [meshNamespace, bare] });
    const injected = await runCli(['check', '-f', '-', '-o', 'json'], input);
    assert.equal(injected.code, 0, injected.stdout);
    assert.equal(JSON.parse(injected.stdout).results[1].mutated, true);
    const stored = await runCli(['check', '-f', '-', '-o', 'json', '--no-mutate'], input);
    assert.equal(stored.code, 1, stored.stdout);
    const result = JSON.parse(stored.stdout).results[1];
    assert.equal(result.mutated, false);
    assert.deepEqual(result.violations.map((v: { id: string }) => v.id), ['ZT-POD-006']);
  });

  test('the same Pod as ztgate injected it passes as stored: no finding for ztgate’s own sidecar', async () => {
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [meshNamespace, bare] });
    const patched = JSON.parse((await runCli(['check', '-f', '-', '-o', 'json', '--show-patched'], input)).stdout).results[1].patched;
    assert.ok(patched, 'the injected Pod');
    const stored = await runCli(['check', '-f', '-', '-o', 'json', '--no-mutate'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [meshNamespace, patched] }));
    assert.equal(stored.code, 0, stored.stdout);
    assert.deepEqual(JSON.parse(stored.stdout).results[1].violations, []);
  });
});

describe('ztgate explain and --help', () => {
  test('explain prints the documented section of an invariant', async () => {
    const result = await runCli(['explain', 'ZT-POD-003']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^## ZT-POD-003: /);
    assert.match(result.stdout, /Default mode: enforce/);
  });
  test('explain of an unknown id exits 2', async () => {
    const result = await runCli(['explain', 'ZT-POD-999']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown invariant/);
  });
  for (const command of ['serve', 'review', 'check', 'test', 'explain', 'inject', 'certs', 'manifests']) {
    test(`${command} --help has examples`, async () => {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /Usage: ztgate /);
      assert.match(result.stdout, /Example/);
    });
  }
});
