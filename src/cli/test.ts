import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '../config/store.js';
import { ZtgateError } from '../errors.js';
import { evaluateObject, type ObjectResult } from '../offline/evaluate.js';
import { isNamespaceObject, manifestObjects } from '../offline/documents.js';
import { identityOf, matchesCase, parseTestSuite, type TestCase, type TestSuite } from '../offline/test-suite.js';
import { isJsonObject, type JsonObject } from '../util/json.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';
import { printConfigNotices } from './config-notices.js';
import { readManifest } from './files.js';
import { parseDocuments } from './input.js';
import { loadNamespaceFile } from './namespaces.js';

const SUITE_FILE = 'ztgate-test.yaml';

function findSuites(path: string): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new ZtgateError('INPUT_YAML', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (stats.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => {
      const child = join(path, entry);
      if (entry === SUITE_FILE) return [child];
      return !entry.startsWith('.') && statSync(child).isDirectory() ? findSuites(child) : [];
    });
}

async function loadObjects(base: string, files: string[], stdin: NodeJS.ReadableStream): Promise<JsonObject[]> {
  const objects: JsonObject[] = [];
  for (const file of files) {
    const path = resolve(base, file);
    for (const object of manifestObjects(path, parseDocuments(await readManifest(path, stdin), path))) {
      if (!isJsonObject(object.value)) throw new ZtgateError('INPUT_YAML', `${path}:${object.line}: not a Kubernetes object`);
      objects.push(object.value);
    }
  }
  return objects;
}

function sortedIds(ids: string[]): string[] {
  return [...new Set(ids)].sort();
}

/** Why a case failed, or undefined when it passed. */
function judge(testCase: TestCase, result: ObjectResult, expectedPatched: JsonObject | undefined): string | undefined {
  const actual = result.verdict === 'admitted' ? 'allowed' : result.verdict;
  if (actual !== testCase.result) {
    const detail = result.violations.map((v) => v.message).join(' | ') || result.reason || '';
    return `expected ${testCase.result}, got ${actual}${detail ? `: ${detail}` : ''}`;
  }
  if (testCase.violations) {
    const got = sortedIds(result.violations.filter((v) => v.mode === 'enforce' && !v.exceptedBy).map((v) => v.id));
    if (!isDeepStrictEqual(got, sortedIds(testCase.violations))) return `expected violations [${sortedIds(testCase.violations).join(', ')}], got [${got.join(', ')}]`;
  }
  if (testCase.warnings) {
    const got = sortedIds(result.violations.filter((v) => v.mode === 'warn' || v.mode === 'notice').map((v) => v.id));
    if (!isDeepStrictEqual(got, sortedIds(testCase.warnings))) return `expected warnings for [${sortedIds(testCase.warnings).join(', ')}], got [${got.join(', ')}]`;
  }
  if (expectedPatched) {
    const patched = result.patched ?? null;
    if (!isDeepStrictEqual(patched, expectedPatched)) return `the patched resource differs from ${testCase.patchedResource}`;
  }
  return undefined;
}

async function runSuite(file: string, suite: TestSuite, stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream): Promise<{ name: string; failure?: string }[]> {
  const base = dirname(file);
  const config = loadConfig(suite.config ? resolve(base, suite.config) : undefined);
  printConfigNotices('ztgate test', config, stderr);
  const namespaces = loadNamespaceFile(suite.namespaces ? resolve(base, suite.namespaces) : undefined);
  const resources = await loadObjects(base, suite.resources, stdin);
  const oldResources = await loadObjects(base, suite.oldResources, stdin);
  for (const object of resources) if (isNamespaceObject(object)) namespaces.add(object);
  // What the cluster has stored is the old object: an updated Namespace's facts are its labels before.
  if (suite.operation !== 'CREATE') for (const object of oldResources) if (isNamespaceObject(object)) namespaces.add(object);
  const now = new Date();
  const outcomes: { name: string; failure?: string }[] = [];
  for (const testCase of suite.cases) {
    const label = `${suite.name} › ${testCase.kind} ${testCase.namespace ? `${testCase.namespace}/` : ''}${testCase.name}`;
    const object = resources.find((candidate) => matchesCase(candidate, testCase, identityOf(candidate).namespace || 'default'));
    if (!object) {
      outcomes.push({ name: label, failure: `${file} ${testCase.path}: no resource ${testCase.kind} ${testCase.name} in ${suite.resources.join(', ')}` });
      continue;
    }
    const id = identityOf(object);
    const oldObject = oldResources.find((candidate) => {
      const other = identityOf(candidate);
      return other.kind === id.kind && other.name === id.name && other.namespace === id.namespace;
    });
    if (suite.operation === 'UPDATE' && !oldObject) {
      outcomes.push({ name: label, failure: `${file}: operation UPDATE needs the old ${id.kind} ${id.name} in oldResources` });
      continue;
    }
    const result = evaluateObject(
      {
        object,
        ...(oldObject ? { oldObject } : {}),
        operation: suite.operation,
        username: suite.username,
        groups: suite.groups,
        defaultNamespace: 'default',
        uid: `ztgate-test-${outcomes.length}`,
      },
      { config, namespaces, now },
    );
    const expected = testCase.patchedResource ? (await loadObjects(base, [testCase.patchedResource], stdin))[0] : undefined;
    const failure = judge(testCase, result, expected);
    outcomes.push(failure ? { name: label, failure } : { name: label });
  }
  return outcomes;
}

export const testCommand: Command = {
  name: 'test',
  summary: 'Run declarative tests of your config and rules (ztgate-test.yaml)',
  help: `Usage: ztgate test DIR|FILE

Finds every ${SUITE_FILE} under DIR and runs it: the config to use, the resources, optional userInfo and
operation, and the expected result per resource. Prints pass/fail per case and a summary; exits 1 when
any case fails, 2 for bad input.

${SUITE_FILE}:
  name: shop baseline
  config: config.yaml              # optional, relative to this file; default: the embedded config
  namespaces: namespaces.yaml      # optional Namespace manifests
  resources: [manifests.yaml]
  oldResources: [old.yaml]         # for operation UPDATE, matched by kind/namespace/name
  operation: CREATE                # CREATE (default), UPDATE or DELETE
  userInfo: {username: alice, groups: [ztgate:security-admins]}
  results:
    - {kind: Deployment, name: web, namespace: shop, result: allowed, patchedResource: expected/web.yaml}
    - {kind: Pod, name: debug, result: denied, violations: [ZT-POD-001, ZT-POD-003]}

Examples:
  ztgate test policies/tests/
  ztgate test examples/tests/shop/ztgate-test.yaml`,
  async run(args, io) {
    const { positionals } = parseFlags(args, {}, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one DIR or FILE');
    const suites = findSuites(positionals[0]!);
    if (suites.length === 0) throw new UsageError(`no ${SUITE_FILE} under ${positionals[0]}`);
    let passed = 0;
    let failed = 0;
    for (const file of suites) {
      const text = await readManifest(file, io.stdin);
      const documents = parseDocuments(text, file);
      if (documents.length !== 1) throw new ZtgateError('INPUT_YAML', `${file}: expected one YAML document, found ${documents.length}`);
      let suite: TestSuite;
      try {
        suite = parseTestSuite(documents[0]!.value, file);
      } catch (error) {
        throw new UsageError(`${file}: ${(error as Error).message}`);
      }
      for (const outcome of await runSuite(file, suite, io.stdin, io.stderr)) {
        if (outcome.failure) {
          failed += 1;
          io.stdout.write(`FAIL ${outcome.name}\n     ${outcome.failure}\n`);
        } else {
          passed += 1;
          io.stdout.write(`PASS ${outcome.name}\n`);
        }
      }
    }
    io.stdout.write(`ztgate test: ${suites.length} suites, ${passed} cases passed, ${failed} failed\n`);
    return failed > 0 ? 1 : 0;
  },
};
