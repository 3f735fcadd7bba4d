import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCelError } from '@bufbuild/cel';
import { ReviewInputs, ruleBindings } from '../../src/cel/activation.js';
import { DEFAULT_LIMITS } from '../../src/cel/budget.js';
import { compileExpression } from '../../src/cel/compile.js';
import { evaluateRules } from '../../src/cel/evaluate.js';
import { variableType } from '../../src/cel/types.js';
import { CASES, containers, ctx, namespaceObject, params, request, rule, variables } from './cases.js';
import { configWithRules, contextFor, plain } from './support.js';

/** The sample rule's variables, typed as its own compilation typed them. */
const VARIABLE_TYPES = new Map(rule.variables.map((variable) => [variable.name, variableType(variable.expression.type)]));

function evaluate(source: string) {
  const compiled = compileExpression(source, 'expr', { limits: DEFAULT_LIMITS, variables: VARIABLE_TYPES });
  if (!compiled.ok) return { loadError: compiled.message };
  return { result: compiled.expression.evaluate(ruleBindings(new ReviewInputs(ctx), rule)) };
}


describe('CEL expressions over a review', () => {
  for (const [group, cases] of Object.entries(CASES)) {
    describe(group, () => {
      for (const c of cases) {
        test(c.expr, () => {
          const outcome = evaluate(c.expr);
          if ('loadError' in c) {
            assert.match(outcome.loadError ?? '(it loaded)', c.loadError);
            return;
          }
          assert.equal(outcome.loadError, undefined);
          const { result } = outcome;
          if ('error' in c) {
            assert.ok(isCelError(result), `expected an error, got ${String(plain(result))}`);
            assert.match(result.message, c.error);
          } else {
            assert.ok(!isCelError(result), `unexpected error: ${isCelError(result) ? result.message : ''}`);
            assert.deepEqual(plain(result), c.value);
          }
        });
      }
    });
  }

  test('the table covers at least 60 expressions', () => {
    assert.ok(Object.values(CASES).flat().length >= 60);
  });
});

/** The message a violation carries when a validation with this messageExpression (and message) fails. */
function messageOf(messageExpression: string, message?: string): string {
  const validation = { expression: 'false', messageExpression, ...(message === undefined ? {} : { message }) };
  const withMessage = configWithRules([{ name: 'sample', match: { kinds: ['*'] }, params, variables, validations: [validation] }]);
  assert.deepEqual(withMessage.rules.loadErrors, []);
  const violations = evaluateRules(contextFor(request, withMessage, namespaceObject)).violations;
  assert.equal(violations.length, 1);
  return violations[0]!.message!;
}

describe('messageExpression output', () => {
  const MESSAGES: { messageExpression: string; message?: string; expected: string }[] = [
    {
      messageExpression: "'replicas ' + string(object.spec.replicas) + ' exceed ' + string(params.maxReplicas)",
      expected: 'ZT-RULE sample: replicas 3 exceed 5',
    },
    { messageExpression: "'images: ' + variables.images.join(', ')", expected: 'ZT-RULE sample: images: registry.example.com/shop/web:1.4.2, docker.io/library/nginx:latest' },
    { messageExpression: "'%d containers in %s'.format([size(" + containers + '), request.namespace])', expected: 'ZT-RULE sample: 2 containers in shop' },
    { messageExpression: 'object.nope', message: 'fallback message', expected: 'ZT-RULE sample: fallback message' },
    { messageExpression: "''", message: 'empty falls back', expected: 'ZT-RULE sample: empty falls back' },
    { messageExpression: "'two\\nlines'", message: 'one line only', expected: 'ZT-RULE sample: one line only' },
    // kube-apiserver's validator.go: Go's TrimSpace first, then the checks, so a trailing newline is trimmed
    // away and only "\n" makes several lines; over 5 KiB falls back; the fallback message is trimmed too.
    { messageExpression: "'  ends with a newline \\n'", expected: 'ZT-RULE sample: ends with a newline' },
    { messageExpression: "'carriage\\rreturn'", expected: 'ZT-RULE sample: carriage\rreturn' },
    { messageExpression: "'\\u0085next line and a BOM stay\\ufeff'", expected: 'ZT-RULE sample: next line and a BOM stay\ufeff' },
    { messageExpression: "'\\u3000'", message: '  spaced  ', expected: 'ZT-RULE sample: spaced' },
    { messageExpression: "'" + 'é'.repeat(2560) + "'", message: 'at 5 KiB it is kept', expected: 'ZT-RULE sample: ' + 'é'.repeat(999) + '…' },
    { messageExpression: "'" + 'é'.repeat(2561) + "'", message: 'over 5 KiB falls back', expected: 'ZT-RULE sample: over 5 KiB falls back' },
    // A messageExpression that is not a string by construction is refused at load (test/cel/config.test.ts);
    // one that yields a number only at run time falls back to the default message.
    { messageExpression: 'object.spec.replicas', expected: 'ZT-RULE sample: failed expression: false' },
  ];
  for (const { messageExpression, message, expected } of MESSAGES) {
    const name = messageExpression.length > 80 ? `${messageExpression.slice(0, 40)}… (${messageExpression.length} characters)` : messageExpression;
    test(name, () => assert.equal(messageOf(messageExpression, message), expected));
  }
});
