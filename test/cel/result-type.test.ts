import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from '@bufbuild/cel';
import { expandMacros } from '../../src/cel/macros.js';
import { staticTypeOf } from '../../src/cel/result-type.js';

/**
 * [expression, what it is known to evaluate to before it runs]. `dyn` means it depends on the object:
 * the evaluation checks it. A named type must be one the expression cannot avoid, or a validation would
 * be refused that could have passed.
 */
const CASES: [string, string][] = [
  ['true', 'bool'],
  ["'a'", 'string'],
  ['1', 'int'],
  ['1u', 'uint'],
  ['1.5', 'double'],
  ['null', 'null_type'],
  ["b'x'", 'bytes'],
  ['[1, 2]', 'list'],
  ["{'a': 1}", 'map'],
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
  ["object.metadata.name.split(',')", 'list'],
  ['int(object.spec.replicas)', 'int'],
  ['string(object.spec.replicas)', 'string'],
  ['dyn(1)', 'dyn'],
  ["duration('1s')", 'google.protobuf.Duration'],
  ['object.spec.containers.all(c, c.name != "")', 'bool'],
  ['object.spec.containers.exists(c, c.name == "a")', 'bool'],
  ['object.spec.containers.exists_one(c, c.name == "a")', 'bool'],
  ['object.spec.containers.map(c, c.name)', 'list'],
  ['object.spec.containers.filter(c, c.name == "a")', 'list'],
  ['object.spec.containers.map(c, c.name).all(n, n != "")', 'bool'],
  ["has(object.spec) ? 'a' : 'b'", 'string'],
  ["has(object.spec) ? object.spec.x : 'b'", 'dyn'],
  ["has(object.spec) ? 'a' : null", 'dyn'],
  ["'%s'.format([object.metadata.name])", 'string'],
  ["quantity('1Gi').isGreaterThan(quantity('1Mi'))", 'bool'],
  ["isURL(object.spec.url)", 'bool'],
  ['lists.range(3)', 'list'],
  ["strings.quote('a')", 'string'],
  ['sets.contains(object.a, object.b)', 'bool'],
  ['object.items.sort()', 'list'],
  ['object.items.sortBy(i, i.name)', 'list'],
  ['object.items.slice(0, 1)', 'list'],
  ['object.metadata.labels.all(k, v, v != "")', 'bool'],
  ['object.metadata.labels.existsOne(k, v, v != "")', 'bool'],
  ['object.metadata.labels.transformList(k, v, k)', 'list'],
  ['object.metadata.labels.transformMap(k, v, v + "!")', 'map'],
  ['object.metadata.labels.transformMapEntry(k, v, {v: k})', 'map'],
];

function typeOf(expression: string): string {
  const parsed = parse(expression);
  expandMacros(parsed, expression);
  return staticTypeOf(parsed.expr);
}

describe('what an expression is known to evaluate to before it runs', () => {
  for (const [expression, expected] of CASES) {
    test(`${expression} → ${expected}`, () => assert.equal(typeOf(expression), expected));
  }
});
