import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/cel/budget.js';
import { compileExpression } from '../../src/cel/compile.js';
import { TYPE_ACCEPTED, TYPE_REFUSED } from './type-check-cases.js';

function compile(expression: string) {
  return compileExpression(expression, 'expr', { limits: DEFAULT_LIMITS, variables: new Map() });
}

describe('types are checked at load as kube-apiserver checks them when a policy is created', () => {
  for (const [expression, error] of TYPE_REFUSED) {
    test(`refuses ${expression}`, () => {
      const compiled = compile(expression);
      assert.equal(compiled.ok ? '(it loaded)' : compiled.message, error);
    });
  }
  for (const expression of TYPE_ACCEPTED) {
    test(`accepts ${expression}`, () => {
      const compiled = compile(expression);
      assert.ok(compiled.ok, compiled.ok ? '' : compiled.message);
    });
  }
});
