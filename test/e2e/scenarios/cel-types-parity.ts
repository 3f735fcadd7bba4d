/**
 * The type-check table of the unit tests (test/cel/type-check-cases.ts) asked of kube-apiserver again:
 * every expression, wrapped as `size([<expression>]) >= 0` so that any type passes the result check, is
 * created (dry run) in a ValidatingAdmissionPolicy in batches. kube-apiserver must refuse the refused
 * ones with the table's words at the table's place, accept the accepted ones, and ztgate must answer the
 * same for the same wrapped expression, so a newer kube-apiserver that types differently fails here
 * rather than leaving the table to go stale.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/cel/budget.js';
import { compileExpression } from '../../../src/cel/compile.js';
import { TYPE_ACCEPTED, TYPE_REFUSED } from '../../cel/type-check-cases.js';
import type { E2E } from '../harness/env.js';
import { podPolicy } from '../harness/objects.js';

const NAME = 'e2e-cel-types';
const WRAP = 'size([';
const BATCH = 40;

const wrapped = (expression: string): string => `${WRAP}${expression}]) >= 0`;

/** A table error (columns of the bare expression) as it reads for the wrapped one. */
function shifted(error: string): string {
  return error.replace(/^line 1, column (\d+): /, (_, column: string) => `line 1, column ${Number(column) + WRAP.length}: `);
}

/** kube-apiserver's first compile error of each refused validation, as `line L, column C: problem`. */
function compileErrors(stderr: string): Map<number, string> {
  const errors = new Map<number, string>();
  const pattern = /spec\.validations\[(\d+)\]\.expression: Invalid value: "(?:[^"\\]|\\.)*": compilation failed: ERROR: <input>:(\d+):(\d+): ([^\n]*)/g;
  for (const m of stderr.matchAll(pattern)) if (!errors.has(Number(m[1]))) errors.set(Number(m[1]), `line ${m[2]}, column ${m[3]}: ${m[4]}`);
  return errors;
}

function ztgate(expression: string): string {
  const compiled = compileExpression(expression, 'expression', { limits: DEFAULT_LIMITS, variables: new Map(), expect: { role: 'a validation', types: ['bool'] } });
  return compiled.ok ? '(accepted)' : compiled.message;
}

export function celTypesParityScenarios(env: () => E2E): void {
  describe('CEL types against kube-apiserver', () => {
    test('the type-check table holds against kube-apiserver, and ztgate answers each expression as kube-apiserver does', async () => {
      const e = env();
      const rows: [string, string][] = [...TYPE_REFUSED.map(([expression, error]): [string, string] => [wrapped(expression), shifted(error)]), ...TYPE_ACCEPTED.map((expression): [string, string] => [wrapped(expression), '(accepted)'])];
      const differences: string[] = [];
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH);
        const created = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: podPolicy(NAME, batch.map(([expression], i) => ({ expression, message: `case ${start + i}` }))) });
        const errors = compileErrors(created.stderr);
        assert.ok(created.code === 0 || errors.size > 0, `kube-apiserver's refusal names the validations: ${created.stderr}`);
        for (const [i, [expression, expected]] of batch.entries()) {
          const apiServer = errors.get(i) ?? '(accepted)';
          const own = ztgate(expression);
          if (apiServer !== expected || own !== expected) differences.push(`${expression}\n  table:          ${expected}\n  kube-apiserver: ${apiServer}\n  ztgate:         ${own}`);
        }
      }
      assert.deepEqual(differences, [], `${differences.length} of ${rows.length} expressions`);
    });
  });
}
