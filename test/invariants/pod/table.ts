import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../../../src/util/json.js';
import { controllerOf, denialMessages, review, templatePath, type ControllerKind, type ReviewOptions } from './fixtures.js';

export interface Case extends ReviewOptions {
  name: string;
  object: JsonObject;
}

export interface ViolatingCase extends Case {
  /** The exact paths of the denials, in the order the invariant reports them. */
  paths: string[];
}

export interface ControllerCase extends Case {
  /** The Pod-relative path (`spec...` or `metadata...`) the denial must name inside the template. */
  path: string;
}

const CONTROLLER_KINDS: readonly ControllerKind[] = [
  'Deployment',
  'CronJob',
  'Job',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One line that names the id, then the field in parentheses, then why and how to fix it. */
export function assertMessageShape(message: string, id: string, path: string): void {
  assert.doesNotMatch(message, /[\r\n]/, 'a denial is one line');
  assert.match(message, new RegExp(`^${escape(id)}: \\S.* \\(${escape(path)}\\); \\S.*\\. \\S.*\\.$`));
}

/**
 * The acceptance table of one invariant: each violating Pod is denied by it alone at exactly the
 * listed paths, each conforming Pod passes every invariant, and each controller case is denied
 * through every Pod controller's template at the template path.
 */
export function invariantTables(
  id: string,
  tables: { violating: ViolatingCase[]; conforming: Case[]; controllers?: ControllerCase[] },
): void {
  describe(`${id} on Pods`, () => {
    test('the tables hold at least three violating and three conforming Pods', () => {
      assert.ok(tables.violating.length >= 3, `${tables.violating.length} violating cases`);
      assert.ok(tables.conforming.length >= 3, `${tables.conforming.length} conforming cases`);
    });
    for (const { name, object, paths, ...options } of tables.violating) {
      test(`denies: ${name}`, () => {
        const verdict = review(object, options);
        assert.equal(verdict.allowed, false);
        assert.deepEqual(
          verdict.denials.map((denial) => [denial.invariantId, denial.path]),
          paths.map((path) => [id, path]),
        );
        denialMessages(verdict).forEach((message, i) => assertMessageShape(message, id, paths[i]!));
      });
    }
    for (const { name, object, ...options } of tables.conforming) {
      test(`allows: ${name}`, () => {
        const verdict = review(object, options);
        assert.deepEqual(verdict.violations, []);
        assert.equal(verdict.allowed, true);
      });
    }
  });
  if (!tables.controllers) return;
  describe(`${id} on Pod templates`, () => {
    for (const kind of CONTROLLER_KINDS) {
      for (const { name, object, path, ...options } of tables.controllers ?? []) {
        test(`${kind}: ${name}`, () => {
          const verdict = review(controllerOf(kind, object), options);
          const expected = templatePath(kind, path);
          assert.equal(verdict.allowed, false);
          assert.deepEqual(
            verdict.denials.map((denial) => denial.invariantId),
            verdict.denials.map(() => id),
          );
          const messages = denialMessages(verdict);
          assert.ok(
            messages.some((message) => message.includes(`(${expected});`)),
            `no denial names ${expected}:\n${messages.join('\n')}`,
          );
          messages.forEach((message, i) => assertMessageShape(message, id, verdict.denials[i]!.path));
        });
      }
    }
  });
}
