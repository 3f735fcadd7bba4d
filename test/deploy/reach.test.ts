import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { defaultConfig } from '../../src/config/parse.js';
import { sentResources } from '../../src/manifests/reach.js';
import { kindOfResource } from '../../src/manifests/rule-routes.js';
import { validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { REPO } from './kubectl.js';

interface Crd {
  spec: { group: string; names: { kind: string; plural: string } };
}

/** The CRDs of the resources ztgate is sent: Istio's and Calico's (as the e2e suite installs them) and ztgate's own. */
function crds(): Crd[] {
  const files = [
    ...readdirSync(join(REPO, 'test/e2e/crds')).map((file) => join(REPO, 'test/e2e/crds', file)),
    ...readdirSync(join(REPO, 'deploy/crds')).map((file) => join(REPO, 'deploy/crds', file)),
  ].filter((file) => file.endsWith('.yaml'));
  return files
    .flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS() as { kind?: string }))
    .filter((object): object is Crd & { kind: string } => object?.kind === 'CustomResourceDefinition');
}

describe('what the validating webhooks send ztgate, as custom rules see it', () => {
  test('every resource a validating webhook lists has its kind in the table', () => {
    const configuration = validatingWebhookConfiguration({ namespace: 'ztgate-system', image: 'ztgate' }) as unknown as { webhooks: { rules: { apiGroups: string[]; resources: string[] }[] }[] };
    const listed = configuration.webhooks.flatMap((webhook) => webhook.rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.filter((resource) => !resource.includes('/')).map((resource) => [group, resource] as const))));
    assert.ok(listed.length > 20, 'the configuration lists resources');
    for (const [group, resource] of listed) assert.ok(kindOfResource(group, resource), `${group}/${resource} has a kind`);
    assert.deepEqual(
      sentResources(defaultConfig()).filter((entry) => entry.subResource === '').map((entry) => `${entry.group}/${entry.resource}`).sort(),
      [...new Set(listed.map(([group, resource]) => `${group}/${resource}`))].sort(),
    );
  });

  test('the kinds of custom resources are those their CRDs declare', () => {
    let checked = 0;
    for (const crd of crds()) {
      const kind = kindOfResource(crd.spec.group, crd.spec.names.plural);
      if (kind === undefined) continue;
      assert.equal(kind, crd.spec.names.kind, `${crd.spec.group}/${crd.spec.names.plural}`);
      checked++;
    }
    assert.ok(checked >= 10, `Istio, Calico and ztgate CRDs checked (${checked})`);
  });

  test('operations are the union over the webhooks: Pods on create and update, Calico policy on delete too', () => {
    const entry = (group: string, resource: string, subResource = ''): string[] =>
      [...(sentResources(defaultConfig()).find((candidate) => candidate.group === group && candidate.resource === resource && candidate.subResource === subResource)?.operations ?? [])].sort();
    assert.deepEqual(entry('', 'pods'), ['CREATE', 'UPDATE']);
    assert.deepEqual(entry('', 'pods', 'ephemeralcontainers'), ['CREATE', 'UPDATE']);
    assert.deepEqual(entry('', 'namespaces'), ['CREATE', 'UPDATE']);
    assert.deepEqual(entry('projectcalico.org', 'globalnetworkpolicies'), ['CREATE', 'DELETE', 'UPDATE']);
  });

  test('docs/rules.md lists exactly what the webhooks send', () => {
    const rows = new Map<string, { group: string; operations: string; names: string[] }>();
    for (const entry of sentResources(defaultConfig())) {
      const operations = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].filter((operation) => entry.operations.has(operation)).join(', ');
      const key = `${entry.group}\u0000${operations}`;
      const row = rows.get(key) ?? { group: entry.group, operations, names: [] };
      row.names.push(entry.kind ? `${entry.kind} (${entry.resource})` : `(${entry.resource}/${entry.subResource})`);
      rows.set(key, row);
    }
    const header = '| API group | kinds (resources) | operations |\n|---|---|---|\n';
    const table = header + [...rows.values()]
      .sort((a, b) => a.group.localeCompare(b.group) || a.operations.localeCompare(b.operations))
      .map(({ group, operations, names }) => `| ${group === '' ? '"" (core)' : group} | ${names.join(', ')} | ${operations} |`)
      .join('\n');
    const file = join(REPO, 'docs/rules.md');
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf('<!-- sent:start -->\n');
    const end = text.indexOf('<!-- sent:end -->');
    assert.ok(start >= 0 && end > start, 'docs/rules.md has the sent:start and sent:end markers');
    const expected = `${text.slice(0, start)}<!-- sent:start -->\n${table}\n${text.slice(end)}`;
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, expected);
    else assert.equal(text, expected, 'refresh with UPDATE_GOLDEN=1 node --import tsx --test test/deploy/reach.test.ts');
  });
});
