import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { injectCommand } from '../../src/cli/inject.js';
import { ConfigError } from '../../src/config/reader.js';
import { ZtgateError } from '../../src/errors.js';
import { yamlDocuments } from './helpers.js';

/**
 * The command itself: it throws UsageError, ZtgateError or ConfigError for bad input, which the CLI
 * dispatcher turns into exit status 2 with the message on standard error.
 */

const dir = mkdtempSync(join(tmpdir(), 'ztgate-inject-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

async function run(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  const [stdout, stderr] = [collect(), collect()];
  const code = await injectCommand.run(args, { stdin: Readable.from([stdin]), stdout: stdout.stream, stderr: stderr.stream, env, cwd: dir });
  assert.equal(code, 0);
  return { stdout: stdout.text(), stderr: stderr.text() };
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: web:1
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web # a comment that survives
spec:
  ports:
    - port: 80
`;

function initContainerNames(yaml: string): string {
  const [pod] = yamlDocuments(yaml);
  return (pod!['spec'] as { initContainers: { name: string }[] }).initContainers.map((c) => c.name).join();
}

describe('ztgate inject', () => {
  test('the help names the flags and gives examples', () => {
    assert.match(injectCommand.help, /^Usage: ztgate inject \[--config FILE\] -f FILE\|-/);
    assert.match(injectCommand.help, /Examples:/);
  });

  test('injects a file and passes other kinds through exactly as written', async () => {
    const result = await run(['-f', file('both.yaml', `${SERVICE}---\n${POD}`)]);
    const [service, pod] = result.stdout.split(/^---$/m);
    assert.equal(service, SERVICE);
    assert.equal(initContainerNames(pod!), 'istio-init,istio-proxy');
    assert.match(pod!, /kubernetes:\/\/apis\/v1\/namespaces\/default\/pods\/web/);
  });

  test('reads standard input with -f -, the config from --config or $ZTGATE_CONFIG', async () => {
    const config = file('ztgate.yaml', 'injection:\n  hub: mirror.example/istio\n  tag: 1.28.2\n');
    assert.match((await run(['--config', config, '--filename=-'], POD)).stdout, /image: mirror\.example\/istio\/proxyv2:1\.28\.2/);
    assert.match((await run(['-f', '-'], POD, { ZTGATE_CONFIG: config })).stdout, /image: mirror\.example\/istio\/proxyv2:1\.28\.2/);
  });

  test('reports skipped workloads on standard error and prints them unchanged', async () => {
    const host = POD.replace('spec:\n', 'spec:\n  hostNetwork: true\n');
    const result = await run(['-f', '-'], host);
    assert.equal(result.stdout, host);
    assert.match(result.stderr, /^ztgate inject: <stdin>:1: skipped Pod "web": the Pod uses hostNetwork/);
  });

  const FAILURES: [string, string[], string, new (...args: never[]) => Error, RegExp][] = [
    ['no file', [], '', UsageError, /-f FILE .* is required/],
    ['an unknown flag', ['-f', '-', '--frobnicate'], POD, UsageError, /--frobnicate/],
    ['a missing file', ['-f', join(dir, 'nope.yaml')], '', ZtgateError, /cannot read .*nope\.yaml: ENOENT/],
    ['a missing config', ['--config', join(dir, 'nope.yaml'), '-f', '-'], POD, ConfigError, /cannot read config file .*nope\.yaml/],
    ['an invalid config', ['--config', file('bad-config.yaml', 'injection:\n  hub: ""\n'), '-f', '-'], POD, ConfigError, /injection\.hub: must not be empty/],
    ['invalid YAML', ['-f', '-'], `${POD}---\nmetadata: [\n`, ZtgateError, /^<stdin>:11:1: invalid YAML: Flow sequence/],
    ['a document that is not an object', ['-f', '-'], `${POD}---\n- 1\n`, UsageError, /^<stdin>:10: not a Kubernetes object/],
    ['an invalid annotation', ['-f', '-'], `${SERVICE}---\n${POD.replace('  name: web\n', '  name: web\n  annotations:\n    status.sidecar.istio.io/port: "http"\n')}`, UsageError, /^<stdin>:9: annotation status\.sidecar\.istio\.io\/port="http" is invalid/],
    ['a controller without a template', ['-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec: {}\n', UsageError, /^<stdin>:1: Deployment "d" has no spec\.template/],
  ];
  for (const [name, args, stdin, type, message] of FAILURES) {
    test(`refuses ${name}, saying where`, async () => {
      await assert.rejects(run(args, stdin), (error: unknown) => error instanceof type && message.test(error.message));
    });
  }
});
