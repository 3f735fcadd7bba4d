import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse.js';
import { DEFAULT_NAMESPACE, VALIDATE_PATHS } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import { validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { reached, webhookNamed, webhooksOf, type Obj } from './webhooks.js';

const VALIDATIONS = [{ expression: 'true' }];

function registration(rules: Obj[]): Obj {
  const config = parseConfig({ rules }, 'test');
  return validatingWebhookConfiguration({ namespace: DEFAULT_NAMESPACE, image: 'ztgate:test', scope: scopeOf(config) }) as Obj;
}

const send = (group: string, resource: string, operation: string, namespace = 'shop') => ({ group, resource, operation, namespace, labels: {} });

describe('the config file’s custom rules make the registration send what they match', () => {
  test('no custom rules: no rules webhook', () => {
    assert.ok(!webhooksOf(registration([])).some((webhook) => String(webhook['name']).startsWith('rules')));
  });

  /** [description, rules, webhook name, its rules] */
  const CASES: [string, Obj[], string, Obj[]][] = [
    [
      'a kind no invariant needs: its resource, in every evaluated namespace',
      [{ name: 'ingress-hosts', match: { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }, validations: VALIDATIONS }],
      'rules.ztgate.io',
      [{ apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'], scope: '*' }],
    ],
    [
      'only the operations not already sent: DELETE of a Pod',
      [{ name: 'no-pod-deletes', match: { kinds: ['Pod'], operations: ['CREATE', 'DELETE'] }, validations: VALIDATIONS }],
      'rules.ztgate.io',
      [{ apiGroups: [''], apiVersions: ['*'], operations: ['DELETE'], resources: ['pods'], scope: '*' }],
    ],
    [
      'a rule that fails open goes to a webhook that fails open',
      [{ name: 'endpoint-urls', failurePolicy: 'Ignore', match: { apiGroups: [''], kinds: ['ConfigMap'] }, validations: VALIDATIONS }],
      'rules-ignore.ztgate.io',
      [{ apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'], scope: '*' }],
    ],
    [
      'resources as named; in any group, the groups that serve it',
      [{ name: 'exec', match: { apiGroups: ['*'], resources: ['pods/exec', 'widgets'], operations: ['CONNECT'] }, validations: VALIDATIONS }],
      'rules.ztgate.io',
      [
        { apiGroups: ['*'], apiVersions: ['*'], operations: ['CONNECT'], resources: ['widgets'], scope: '*' },
        { apiGroups: [''], apiVersions: ['*'], operations: ['CONNECT'], resources: ['pods/exec'], scope: '*' },
      ],
    ],
    [
      'a resource already sent, in any group, is not sent twice: only its missing operations',
      [{ name: 'pods', match: { apiGroups: ['*'], resources: ['pods'], operations: ['CREATE', 'DELETE'] }, validations: VALIDATIONS }],
      'rules.ztgate.io',
      [{ apiGroups: [''], apiVersions: ['*'], operations: ['DELETE'], resources: ['pods'], scope: '*' }],
    ],
  ];
  for (const [description, rules, name, expected] of CASES) {
    test(description, () => {
      const configuration = registration(rules);
      const webhook = webhookNamed(configuration, name);
      assert.deepEqual(webhook['rules'], expected);
      const policy = name === 'rules.ztgate.io' ? 'Fail' : 'Ignore';
      assert.equal(webhook['failurePolicy'], policy);
      assert.equal(webhook['clientConfig']['service']['path'], VALIDATE_PATHS[policy]);
      assert.deepEqual(webhook['namespaceSelector'], webhookNamed(configuration, 'calico.ztgate.io')['namespaceSelector'], 'every evaluated namespace');
    });
  }

  test('each request reaches one webhook: what is routed is not sent twice', () => {
    const configuration = registration([{ name: 'r', match: { apiGroups: ['', 'networking.k8s.io'], kinds: ['Pod', 'Ingress'], operations: ['*'] }, validations: VALIDATIONS }]);
    assert.deepEqual(reached(configuration, send('networking.k8s.io', 'ingresses', 'CREATE')), ['rules.ztgate.io']);
    assert.deepEqual(reached(configuration, send('', 'pods', 'CREATE')), ['validate.ztgate.io']);
    assert.deepEqual(reached(configuration, send('', 'pods', 'DELETE')), ['rules.ztgate.io']);
    assert.deepEqual(reached(configuration, send('', 'pods', 'CREATE', 'kube-system')), [], 'never a system namespace');
  });

  test('never what must not wait for ztgate, whatever a rule asks; wildcards add nothing', () => {
    const configuration = registration([
      { name: 'leases', match: { apiGroups: ['*'], kinds: ['Lease', 'Event'], resources: ['events', 'tokenreviews'] }, validations: VALIDATIONS },
      { name: 'everything', match: { kinds: ['*'], resources: ['*/*'], operations: ['*'] }, validations: VALIDATIONS },
      { name: 'unknown', match: { kinds: ['Widget'] }, validations: VALIDATIONS },
    ]);
    assert.ok(!webhooksOf(configuration).some((webhook) => String(webhook['name']).startsWith('rules')), JSON.stringify(webhooksOf(configuration).map((w) => w['name'])));
  });

});
