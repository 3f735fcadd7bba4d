import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { pod, reviewOf } from '../support/reviews.js';
import { testApp, namespace } from '../support/app.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ztgate-review-'));
const namespacesFile = join(dir, 'namespaces.yaml');
const namespaces = [namespace('shop', { 'istio-injection': 'enabled' })];
const { app } = testApp({ namespaces });
before(() => writeFileSync(namespacesFile, namespaces.map((ns) => stringify(ns)).join('---\n')));
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const REVIEWS = {
  'default ServiceAccount': reviewOf(pod({ serviceAccountName: 'default' })),
  'dedicated ServiceAccount': reviewOf(pod({ serviceAccountName: 'web' })),
  'no ServiceAccount': reviewOf(pod()),
  'kube-system Pod': reviewOf(pod({}, { namespace: 'kube-system' })),
  'DELETE of a Pod': reviewOf(pod(), { operation: 'DELETE' }),
  'dry-run Deployment': reviewOf(
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'a' }] } } } },
    { dryRun: true },
  ),
};

describe('ztgate review prints byte-identical answers to the server', () => {
  for (const webhook of ['validate', 'mutate'] as const) {
    for (const [name, review] of Object.entries(REVIEWS)) {
      test(`${webhook}: ${name}`, async () => {
        const server = await app.inject({ method: 'POST', url: `/${webhook}`, payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
        const file = join(dir, `${webhook}-${name.replace(/\W+/g, '-')}.json`);
        writeFileSync(file, JSON.stringify(review));
        const cli = await runCli(['review', '--webhook', webhook, '--namespaces', namespacesFile, '-f', file]);
        assert.equal(cli.code, 0, cli.stderr);
        assert.equal(cli.stdout, server.body);
      });
    }
  }
  for (const [failurePolicy, url] of [['Fail', '/validate/fail'], ['Ignore', '/validate/ignore']] as const) {
    test(`validate --failure-policy ${failurePolicy} answers as ${url}`, async () => {
      const review = REVIEWS['default ServiceAccount'];
      const server = await app.inject({ method: 'POST', url, payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
      const cli = await runCli(['review', '--failure-policy', failurePolicy, '--namespaces', namespacesFile], JSON.stringify(review));
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(cli.stdout, server.body);
    });
  }
  test('YAML on stdin gives the same answer as JSON', async () => {
    const review = REVIEWS['default ServiceAccount'];
    const fromYaml = await runCli(['review', '-f', '-'], stringify(review));
    const fromJson = await runCli(['review'], JSON.stringify(review));
    assert.equal(fromYaml.code, 0);
    assert.equal(fromYaml.stdout, fromJson.stdout);
    assert.match(fromYaml.stdout, /"allowed":false/);
  });
});

describe('ztgate review exits 2 on bad input', () => {
  const cases: { name: string; args: string[]; stdin?: string; mentions: RegExp }[] = [
    { name: 'malformed review', args: ['review'], stdin: '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}', mentions: /REQUEST_FIELD: request\.uid: is required/ },
    { name: 'broken JSON', args: ['review'], stdin: '{"apiVersion": ', mentions: /not valid JSON/ },
    { name: 'broken YAML', args: ['review'], stdin: 'apiVersion: [\n', mentions: /<stdin>:\d+:\d+: invalid YAML/ },
    { name: 'two documents', args: ['review'], stdin: 'a: 1\n---\nb: 2\n', mentions: /exactly one AdmissionReview document, found 2/ },
    { name: 'missing file', args: ['review', '-f', '/nonexistent/review.json'], mentions: /cannot read \/nonexistent\/review\.json: ENOENT/ },
    { name: 'bad webhook', args: ['review', '--webhook', 'audit'], stdin: '{}', mentions: /--webhook: expected validate or mutate/ },
    { name: 'bad failure policy', args: ['review', '--failure-policy', 'fail'], stdin: '{}', mentions: /--failure-policy: expected Fail or Ignore, got "fail"/ },
    { name: 'a failure policy for mutate', args: ['review', '--webhook', 'mutate', '--failure-policy', 'Fail'], stdin: '{}', mentions: /--failure-policy: only validating webhooks .* \/mutate always fails open/ },
    { name: 'unknown flag', args: ['review', '--frobnicate'], stdin: '{}', mentions: /frobnicate/ },
    { name: 'invalid config', args: ['review', '--config', '/dev/null/x'], stdin: '{}', mentions: /cannot read config file/ },
  ];
  for (const { name, args, stdin, mentions } of cases) {
    test(name, async () => {
      const result = await runCli(args, stdin ?? '');
      assert.equal(result.code, 2, `stdout: ${result.stdout} stderr: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, mentions);
    });
  }
  test('an invalid config file names the path', async () => {
    const file = join(dir, 'bad-config.yaml');
    writeFileSync(file, 'invariants:\n  ZT-POD-001: sometimes\n');
    const result = await runCli(['review', '--config', file], '{}');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invariants\.ZT-POD-001: expected one of enforce, warn, audit, off/);
  });
});

describe('hostile YAML on the CLI', () => {
  test('an unresolved alias exits 2 with INPUT_YAML', async () => {
    const result = await runCli(['review', '-f', '-'], 'apiVersion: *nothing\nkind: AdmissionReview\n');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /INPUT_YAML: <stdin>:1: invalid YAML/);
  });
});
