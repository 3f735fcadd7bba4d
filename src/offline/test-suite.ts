import { ConfigNode } from '../config/reader.js';
import type { Operation } from '../admission/types.js';
import { asObject, asString, isJsonObject, type JsonObject } from '../util/json.js';

/** One `ztgate-test.yaml`: a config, resources and the expected outcome per resource, like `kyverno test`. */
export interface TestSuite {
  name: string;
  config?: string;
  namespaces?: string;
  resources: string[];
  oldResources: string[];
  username: string;
  groups: string[];
  operation: Operation;
  cases: TestCase[];
}

export interface TestCase {
  kind: string;
  name: string;
  namespace?: string;
  result: 'allowed' | 'denied';
  violations?: string[];
  warnings?: string[];
  patchedResource?: string;
  path: string;
}

export function parseTestSuite(raw: unknown, file: string): TestSuite {
  const root = new ConfigNode(raw, '');
  root.map();
  root.keys(['name', 'config', 'namespaces', 'resources', 'oldResources', 'userInfo', 'operation', 'results']);
  const userInfo = root.get('userInfo').keys(['username', 'groups']);
  const suite: TestSuite = {
    name: root.get('name').string(file),
    resources: root.get('resources').stringList(),
    oldResources: root.get('oldResources').stringList(),
    username: userInfo.get('username').string('ztgate-test'),
    groups: userInfo.get('groups').stringList(['system:authenticated']),
    operation: root.get('operation').oneOf(['CREATE', 'UPDATE', 'DELETE'] as const, 'CREATE'),
    cases: [],
  };
  if (suite.resources.length === 0) root.get('resources').fail('must list at least one manifest file');
  const config = root.get('config').optionalString();
  if (config) suite.config = config;
  const namespaces = root.get('namespaces').optionalString();
  if (namespaces) suite.namespaces = namespaces;
  const results = root.get('results');
  if (results.list().length === 0) results.fail('must list at least one expected result');
  suite.cases = results.list().map((item): TestCase => {
    item.keys(['kind', 'name', 'namespace', 'result', 'violations', 'warnings', 'patchedResource']);
    const testCase: TestCase = {
      kind: item.get('kind').string(),
      name: item.get('name').string(),
      result: item.get('result').oneOf(['allowed', 'denied'] as const),
      path: item.path,
    };
    const namespace = item.get('namespace').optionalString();
    if (namespace) testCase.namespace = namespace;
    if (item.get('violations').present) testCase.violations = item.get('violations').stringList();
    if (item.get('warnings').present) testCase.warnings = item.get('warnings').stringList();
    const patched = item.get('patchedResource').optionalString();
    if (patched) testCase.patchedResource = patched;
    return testCase;
  });
  return suite;
}

export function identityOf(object: JsonObject): { kind: string; name: string; namespace: string } {
  const metadata = asObject(object['metadata']);
  return {
    kind: asString(object['kind']) ?? '',
    name: asString(metadata?.['name']) ?? '',
    namespace: asString(metadata?.['namespace']) ?? '',
  };
}

export function matchesCase(object: unknown, testCase: TestCase, namespace: string): boolean {
  if (!isJsonObject(object)) return false;
  const id = identityOf(object);
  return id.kind === testCase.kind && id.name === testCase.name && (testCase.namespace === undefined || testCase.namespace === namespace);
}
