/** The registered webhook configurations against what the config renders (src/manifests/drift.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse.js';
import { registrationDrift } from '../../src/manifests/drift.js';
import { DEFAULT_NAMESPACE } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import type { KubeObject } from '../../src/manifests/types.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';

type Obj = Record<string, any>;

function rendered(raw: Obj = {}, kind: 'validating' | 'mutating' = 'validating'): KubeObject {
  const options = { namespace: DEFAULT_NAMESPACE, image: 'ztgate:test', scope: scopeOf(parseConfig(raw, 'drift')) };
  return kind === 'validating' ? validatingWebhookConfiguration(options) : mutatingWebhookConfiguration(options);
}

/** A deep copy, as read back from the API server, changed by `edit`. */
function stored(from: KubeObject, edit: (configuration: Obj) => void = () => {}): Obj {
  const copy = JSON.parse(JSON.stringify(from)) as Obj;
  edit(copy);
  return copy;
}

const webhook = (configuration: Obj, name: string): Obj => configuration['webhooks'].find((w: Obj) => w['name'] === name);

/** What the API server fills in or keeps as the user wrote it: none of it changes where a request goes. */
function asTheApiServerStoresIt(configuration: Obj): void {
  for (const w of configuration['webhooks'] as Obj[]) {
    w['objectSelector'] ??= {};
    w['matchPolicy'] ??= 'Equivalent';
    w['timeoutSeconds'] = 10;
    w['clientConfig'] = { url: `https://127.0.0.1:9443${w['clientConfig']['service']['path']}`, caBundle: 'Q0E=' };
    if (w['namespaceSelector']['matchLabels'] === undefined) w['namespaceSelector']['matchLabels'] = {};
  }
  configuration['metadata']['resourceVersion'] = '42';
}

describe('registrationDrift', () => {
  test('a registration as rendered, or as the API server stores it (defaults, a URL, caBundle, timeouts), matches', () => {
    for (const kind of ['validating', 'mutating'] as const) {
      assert.deepEqual(registrationDrift(rendered({}, kind), stored(rendered({}, kind))), [], kind);
      assert.deepEqual(registrationDrift(rendered({}, kind), stored(rendered({}, kind), asTheApiServerStoresIt)), [], `${kind}, stored form`);
    }
  });

  /** [what, config the registration was rendered from, edit of the stored copy, the config in force, expected differences] */
  const CASES: [string, Obj, (configuration: Obj) => void, Obj, string[]][] = [
    ['a configuration that is not there', {}, () => {}, {}, ['ValidatingWebhookConfiguration ztgate is not registered']],
    [
      'a registration from before mesh-root.ztgate.io',
      {},
      (c) => {
        c['webhooks'] = c['webhooks'].filter((w: Obj) => w['name'] !== 'mesh-root.ztgate.io');
        webhook(c, 'validate.ztgate.io')['matchConditions'].pop();
      },
      {},
      ['validate.ztgate.io has other matchConditions than the config renders', 'mesh-root.ztgate.io is missing from ValidatingWebhookConfiguration ztgate'],
    ],
    [
      'a namespace newly excluded in the ConfigMap, the registration left as it was',
      {},
      () => {},
      { protection: { excludeNamespaces: ['legacy'] } },
      ['validate.ztgate.io has other namespaceSelector than the config renders', 'unprotected-1.ztgate.io is missing from ValidatingWebhookConfiguration ztgate'],
    ],
    [
      'an exclusion dropped from the ConfigMap, the registration left as it was',
      { protection: { excludeNamespaces: ['legacy'] } },
      () => {},
      {},
      ['validate.ztgate.io has other namespaceSelector than the config renders', 'unprotected-1.ztgate.io is registered in ValidatingWebhookConfiguration ztgate but the config renders no such webhook'],
    ],
    [
      'break-glass: validate.ztgate.io set to Ignore',
      {},
      (c) => {
        webhook(c, 'validate.ztgate.io')['failurePolicy'] = 'Ignore';
      },
      {},
      ['validate.ztgate.io has failurePolicy Ignore, the config renders Fail'],
    ],
    [
      'a registration from before the failure-policy paths',
      {},
      (c) => {
        webhook(c, 'calico.ztgate.io')['clientConfig']['service']['path'] = '/validate';
      },
      {},
      ['calico.ztgate.io calls /validate, the config renders /validate/fail'],
    ],
    [
      'a rule narrowed by hand',
      {},
      (c) => {
        webhook(c, 'calico.ztgate.io')['rules'][0]['operations'] = ['CREATE'];
      },
      {},
      ['calico.ztgate.io has other rules than the config renders'],
    ],
    [
      'the Istio root namespace moved in the ConfigMap',
      {},
      () => {},
      { policy: { istioRootNamespace: 'mesh-config' } },
      ['validate.ztgate.io has other matchConditions than the config renders', 'mesh-root.ztgate.io has other namespaceSelector than the config renders'],
    ],
    [
      'an objectSelector added by hand',
      {},
      (c) => {
        webhook(c, 'validate.ztgate.io')['objectSelector'] = { matchLabels: { audited: 'yes' } };
      },
      {},
      ['validate.ztgate.io has other objectSelector than the config renders'],
    ],
    [
      'a webhook without failurePolicy (the API server reads Fail) or path (/)',
      {},
      (c) => {
        delete webhook(c, 'validate.ztgate.io')['failurePolicy'];
        delete webhook(c, 'new-namespaces.ztgate.io')['clientConfig']['service']['path'];
      },
      {},
      ['new-namespaces.ztgate.io calls /, the config renders /validate/ignore'],
    ],
  ];
  for (const [what, registeredFrom, edit, inForce, expected] of CASES) {
    test(what, () => {
      const registered = what === 'a configuration that is not there' ? undefined : stored(rendered(registeredFrom), edit);
      assert.deepEqual(registrationDrift(rendered(inForce), registered), expected);
    });
  }

  test('whatever is stored, it answers with differences, never a crash', () => {
    const expected = rendered();
    const odd: unknown[] = [{}, { webhooks: 'none' }, { webhooks: [null, 7, 'x', { name: 'validate.ztgate.io' }] }, { webhooks: [{ name: 'mutate.ztgate.io', clientConfig: { url: 'not a url' }, rules: 'all' }] }];
    for (const configuration of odd) {
      const differences = registrationDrift(expected, configuration as Obj);
      assert.ok(differences.length > 0, JSON.stringify(configuration));
      for (const line of differences) assert.equal(typeof line, 'string');
    }
  });
});
