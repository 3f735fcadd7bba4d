import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/cel/budget.js';
import { compileExpression } from '../../src/cel/compile.js';
import { DYN, formatType } from '../../src/cel/types.js';

/**
 * [expression, what it is known to evaluate to before it runs, as cel-go names the type]. `dyn` means it
 * depends on the object: the evaluation checks it. A named type must be one the expression cannot avoid,
 * or a validation would be refused that could have passed.
 */
const CASES: [string, string][] = [
  ['true', 'bool'],
  ["'a'", 'string'],
  ['1', 'int'],
  ['1u', 'uint'],
  ['1.5', 'double'],
  ['null', 'null'],
  ["b'x'", 'bytes'],
  ['[1, 2]', 'list(int)'],
  ["{'a': 1}", 'map(string, int)'],
  ['object', 'dyn'],
  ['object.spec.enabled', 'dyn'],
  ['object.spec.flags[0]', 'dyn'],
  ['variables.x', 'dyn'],
  ['has(object.spec)', 'bool'],
  ['!has(object.spec)', 'bool'],
  ["object.metadata.name == 'x'", 'bool'],
  ['object.a < object.b', 'bool'],
  ["'x' in object.metadata.labels", 'bool'],
  ['object.a && object.b', 'bool'],
  ['size(object.spec.containers)', 'int'],
  ['object.spec.containers.size()', 'int'],
  ["object.metadata.name + '-x'", 'string'],
  ['object.a + object.b', 'dyn'],
  ['object.a + 1', 'int'],
  ['1 + 2', 'int'],
  ["object.metadata.name.startsWith('a')", 'bool'],
  ["object.metadata.name.matches('^a')", 'bool'],
  ["object.metadata.name.lowerAscii()", 'string'],
  ["object.metadata.name.split(',')", 'list(dyn)'],
  ['int(object.spec.replicas)', 'int'],
  ['string(object.spec.replicas)', 'string'],
  ['dyn(1)', 'dyn'],
  ["duration('1s')", 'duration'],
  ['object.spec.containers.all(c, c.name != "")', 'bool'],
  ['object.spec.containers.exists(c, c.name == "a")', 'bool'],
  ['object.spec.containers.exists_one(c, c.name == "a")', 'bool'],
  ['object.spec.containers.map(c, c.name)', 'list(dyn)'],
  ['object.spec.containers.filter(c, c.name == "a")', 'list(dyn)'],
  ['object.spec.containers.map(c, c.name).all(n, n != "")', 'bool'],
  ["has(object.spec) ? 'a' : 'b'", 'string'],
  ["has(object.spec) ? object.spec.x : 'b'", 'dyn'],
  ["has(object.spec) ? 'a' : dyn(null)", 'dyn'],
  ["has(object.spec) ? 1 : object.spec.x", 'dyn'],
  ['[1, 2].map(x, x * 2)', 'list(int)'],
  ["{'a': [1]}['a']", 'list(int)'],
  ['[[1], []]', 'list(list(int))'],
  ['request.userInfo.groups', 'list(string)'],
  ['request.userInfo', 'kubernetes.UserInfo'],
  ['namespaceObject.metadata.labels', 'map(string, string)'],
  ['type(1)', 'type(int)'],
  ["'%s'.format([object.metadata.name])", 'string'],
  ["quantity('1Gi').isGreaterThan(quantity('1Mi'))", 'bool'],
  ["isURL(object.spec.url)", 'bool'],
  ['lists.range(3)', 'list(dyn)'],
  ["strings.quote('a')", 'string'],
  ['sets.contains(object.a, object.b)', 'bool'],
  ['object.items.sort()', 'list(dyn)'],
  ['object.items.sortBy(i, i.name)', 'list(dyn)'],
  ['object.items.slice(0, 1)', 'list(dyn)'],
  ['object.metadata.labels.all(k, v, v != "")', 'bool'],
  ['object.metadata.labels.existsOne(k, v, v != "")', 'bool'],
  ['object.metadata.labels.transformList(k, v, k)', 'list(dyn)'],
  ['object.metadata.labels.transformMap(k, v, v + "!")', 'map(dyn, dyn)'],
  ['object.metadata.labels.transformMapEntry(k, v, {v: k})', 'map(dyn, dyn)'],
];

function typeOf(expression: string): string {
  const compiled = compileExpression(expression, 'expr', { limits: DEFAULT_LIMITS, variables: new Map([['x', DYN]]) });
  if (!compiled.ok) return `(refused: ${compiled.message})`;
  return formatType(compiled.expression.type);
}

describe('what an expression is known to evaluate to before it runs', () => {
  for (const [expression, expected] of CASES) {
    test(`${expression} → ${expected}`, () => assert.equal(typeOf(expression), expected));
  }
});
