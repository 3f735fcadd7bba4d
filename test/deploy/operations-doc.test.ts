/**
 * docs/operations.md describes every webhook ztgate registers, so that an operator reading it while
 * ztgate is down knows what each one sends and how it fails: a webhook added without its row, or a
 * fail-closed one missing from the break-glass symptoms, fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parse.js';
import { DEFAULT_NAMESPACE } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import { mutatingWebhookConfiguration, unprotectedWebhookName, validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { REPO } from './kubectl.js';
import { webhooksOf, type Obj } from './webhooks.js';

const OPERATIONS = readFileSync(join(REPO, 'docs', 'operations.md'), 'utf8');

function rendered(): Obj[] {
  // A config that leaves a namespace unprotected, so the unprotected webhooks are rendered too, and
  // has custom rules on kinds the invariants do not need, failing closed and open, for the rules webhooks.
  const rules = (['Fail', 'Ignore'] as const).map((failurePolicy) => ({ name: `doc-${failurePolicy.toLowerCase()}`, failurePolicy, match: { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }, validations: [{ expression: 'true' }] }));
  const config = parseConfig({ protection: { excludeNamespaces: ['legacy'] }, rules }, 'doc');
  const options = { namespace: DEFAULT_NAMESPACE, image: 'ztgate:doc', scope: scopeOf(config) };
  return [...webhooksOf(validatingWebhookConfiguration(options)), ...webhooksOf(mutatingWebhookConfiguration(options))];
}

/** The name as the docs write it: the unprotected webhooks as one row, `unprotected-1.ztgate.io`, ... */
function documentedName(name: string): string {
  return name === unprotectedWebhookName(0) ? `${name}\`, ...` : `${name}\``;
}

test('the table of docs/operations.md has a row for every webhook, with its failure policy', () => {
  for (const webhook of rendered()) {
    const name = String(webhook['name']);
    const row = OPERATIONS.split('\n').find((line) => line.startsWith(`| \`${documentedName(name)}`));
    assert.ok(row, `docs/operations.md "Which requests reach ztgate" has no row for ${name}`);
    assert.ok(row.includes(`| \`${String(webhook['failurePolicy'])}\` |`), `the row of ${name} gives its failurePolicy ${String(webhook['failurePolicy'])}: ${row}`);
  }
});

test('the break-glass symptoms name every webhook that fails closed', () => {
  const section = OPERATIONS.slice(OPERATIONS.indexOf('## Break-glass'));
  const symptoms = section.slice(0, section.indexOf('```'));
  for (const webhook of rendered().filter((w) => w['failurePolicy'] === 'Fail')) {
    assert.ok(symptoms.includes(`"${String(webhook['name'])}"`), `the break-glass symptoms name ${String(webhook['name'])}`);
  }
});
