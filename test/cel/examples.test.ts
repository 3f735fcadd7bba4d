import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compileRuleObjects, RULE_API_VERSION, RULE_KIND } from '../../src/cel/config.js';
import { ruleInvariantId } from '../../src/cel/evaluate.js';
import { parseConfig } from '../../src/config/parse.js';
import { decide } from '../../src/engine/decide.js';
import { configRuleReachNotices } from '../../src/invariants/rules/rule-reach.js';
import type { Verdict } from '../../src/engine/types.js';
import type { JsonObject } from '../../src/util/json.js';
import { facts, requestFor, type RequestOptions } from './support.js';

/**
 * Each directory under examples/rules holds a config fragment (rule.yaml), a conforming and a violating
 * manifest, optionally the review's context (review.yaml), and the golden outcome (expected.txt).
 * UPDATE_GOLDEN=1 rewrites expected.txt.
 */
const EXAMPLES = fileURLToPath(new URL('../../examples/rules/', import.meta.url));
const KNOWN_FILES = new Set(['rule.yaml', 'conforming.yaml', 'violating.yaml', 'review.yaml', 'expected.txt']);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface ReviewContext {
  operation?: RequestOptions['operation'];
  userInfo?: RequestOptions['userInfo'];
  oldObject?: JsonObject;
  namespace?: JsonObject;
}

const readYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));

/** The rule's part of the verdict, one line each, in the engine's order. */
function outcome(verdict: Verdict, rule: string): string[] {
  const id = ruleInvariantId(rule);
  const lines: string[] = [];
  for (const violation of verdict.violations.filter((v) => v.invariantId === id)) {
    const action = violation.exceptedBy ? 'excepted' : { enforce: 'deny', warn: 'warn', audit: 'audit' }[violation.mode];
    lines.push(`${action}: ${violation.message}`);
  }
  for (const [key, value] of Object.entries(verdict.auditAnnotations)) {
    if (key.includes(rule)) lines.push(`annotation ${key}: ${value}`);
  }
  return lines.length > 0 ? lines : ['(nothing)'];
}

const directories = readdirSync(EXAMPLES, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

describe('example rules through decide()', () => {
  test('there are at least ten examples', () => assert.ok(directories.length >= 10, `found ${directories.length}`));

  for (const name of directories) {
    const dir = join(EXAMPLES, name);
    test(name, () => {
      const stray = readdirSync(dir).filter((file) => !KNOWN_FILES.has(file));
      assert.deepEqual(stray, [], `unexpected files in ${dir}`);

      const fragment = readYaml(join(dir, 'rule.yaml')) as Record<string, unknown>;
      // Protect no namespace, so built-in invariants stay quiet and only the example rule speaks.
      const config = parseConfig({ ...fragment, protection: { namespaceSelector: { matchLabels: { 'ztgate.test/none': 'true' } } } }, join(dir, 'rule.yaml'));
      assert.deepEqual(config.rules.loadErrors, []);
      assert.deepEqual(config.rules.rules.map((rule) => rule.name), [name], 'the directory is named after its one rule');
      const rule = config.rules.rules[0]!;
      // An example that a cluster never sends ztgate would pass here and never run there.
      assert.deepEqual(configRuleReachNotices(config), [], 'the registration rendered from the example sends what it matches');

      const context = (existsSync(join(dir, 'review.yaml')) ? readYaml(join(dir, 'review.yaml')) : {}) as ReviewContext;
      const review = (file: string): Verdict => {
        const object = readYaml(join(dir, file)) as JsonObject;
        const options: RequestOptions = {};
        if (context.operation) options.operation = context.operation;
        if (context.userInfo) options.userInfo = context.userInfo;
        if (context.oldObject) options.oldObject = context.oldObject;
        return decide(requestFor(object, options), facts(context.namespace), config);
      };

      const conforming = outcome(review('conforming.yaml'), name);
      const violating = outcome(review('violating.yaml'), name);
      assert.ok(!conforming.some((line) => line.startsWith('deny') || line.startsWith('warn')), `conforming.yaml: ${conforming.join('\n')}`);
      const expectedAction = { enforce: 'deny', warn: 'warn', audit: 'annotation' }[rule.mode];
      assert.ok(violating.some((line) => line.startsWith(expectedAction)), `violating.yaml: ${violating.join('\n')}`);

      const text = ['# conforming.yaml', ...conforming, '# violating.yaml', ...violating, ''].join('\n');
      const golden = join(dir, 'expected.txt');
      if (UPDATE) writeFileSync(golden, text);
      assert.ok(existsSync(golden), `${golden} is missing; run with UPDATE_GOLDEN=1`);
      assert.equal(text, readFileSync(golden, 'utf8'));
    });
  }

  test('every example also loads as a ZeroTrustRule object', () => {
    const objects = directories.flatMap((name) => {
      const fragment = readYaml(join(EXAMPLES, name, 'rule.yaml')) as { rules: Record<string, unknown>[] };
      return fragment.rules.map(({ name: ruleName, ...spec }) => ({ apiVersion: RULE_API_VERSION, kind: RULE_KIND, metadata: { name: ruleName }, spec }));
    });
    const set = compileRuleObjects(objects, RULE_KIND);
    assert.deepEqual(set.loadErrors, []);
    assert.deepEqual(set.rules.map((rule) => rule.name), directories);
  });
});
