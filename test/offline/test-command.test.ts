import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('ztgate test passes the example suite', async () => {
  const result = await runCli(['test', 'examples/tests']);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^PASS payments baseline › Pod payments\/ledger-migrate$/m);
  assert.match(result.stdout, /^PASS namespace labels › Namespace legacy$/m);
  assert.match(result.stdout, /^PASS external IPs › Service shop\/payments-api$/m);
  assert.match(result.stdout, /ztgate test: 4 suites, 22 cases passed, 0 failed/);
  assert.equal(result.stderr, '');
});

test('ztgate test reports each failing expectation and exits 1', async () => {
  const result = await runCli(['test', 'test/offline/fixtures/failing']);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /FAIL expectations that do not hold › Pod shared\n\s+expected allowed, got denied: ZT-POD-001/);
  assert.match(result.stdout, /expected violations \[ZT-POD-002\], got \[ZT-POD-001\]/);
  assert.match(result.stdout, /no resource Pod missing/);
  assert.match(result.stdout, /0 cases passed, 3 failed/);
});

test('ztgate test on a directory without suites exits 2', async () => {
  const result = await runCli(['test', 'docs']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no ztgate-test\.yaml under docs/);
});

test('ztgate test takes an updated Namespace’s facts from its stored (old) labels, as the server does', async () => {
  const result = await runCli(['test', 'test/offline/fixtures/namespace-facts']);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^PASS namespace facts on update › Namespace legacy$/m);
});

test('ztgate test says on stderr what the suite’s config leaves unchecked, as serve logs it', async () => {
  const result = await runCli(['test', 'test/offline/fixtures/config-notices']);
  assert.equal(result.code, 0, result.stdout);
  // The rule loads unchecked and fails when run, so the ConfigMap is denied by its failurePolicy.
  assert.match(result.stdout, /^PASS a config with a type error › ConfigMap shop\/settings$/m);
  assert.match(
    result.stderr,
    /^ztgate test: warning in .*config-notices\/config\.yaml: rule typed-wrong rules\[0\]\.validations\[0\]\.expression: type error kube-apiserver would refuse, loaded unchecked: line 1, column 28: /,
  );
});
