/**
 * Custom rules as cluster objects: a ZeroTrustRule that does not compile is refused at admission
 * (ZT-RULE-001, on the fail-closed calico.ztgate.io webhook); one that compiles reaches ztgate through its
 * watch of the API server and then decides, and stops deciding once it is deleted. A rule of the config
 * file on a kind no invariant needs (ConfigMaps) runs, because the registration rendered from the config
 * sends that kind; a ZeroTrustRule on a kind nothing sends is admitted with a ZT-RULE-002 warning.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENDPOINTS_LABEL, ENDPOINTS_RULE, type E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, CALICO, denialMessage, getObject, RULES_IGNORE, warningLines } from '../harness/expect.js';
import { pod, type Json } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';

const RULES = 'zerotrustrules.ztgate.io';
const NAME = 'e2e-no-forbidden-label';
/** ztgate learns of a rule by its watch: allow for a reconnect on top of delivery. */
const PICKUP_MS = 20_000;

function rule(expression: string): Json {
  return {
    apiVersion: 'ztgate.io/v1alpha1',
    kind: 'ZeroTrustRule',
    metadata: { name: NAME },
    spec: {
      match: { kinds: ['Pod'] },
      validations: [{ expression, message: 'Pods may not carry the label e2e-forbidden' }],
    },
  };
}

export function customRuleScenarios(env: () => E2E): void {
  describe('custom rules from ZeroTrustRule objects', () => {
    test('a ZeroTrustRule that does not compile is refused with the error (dry run: same, nothing stored)', async () => {
      const e = env();
      const broken = rule("!('e2e-forbidden' in objct.metadata.labels)");
      for (const args of [['create', '--dry-run=server', '-f', '-'], ['create', '-f', '-']]) {
        const r = await e.kubectl(args, { input: broken });
        assertDenied(r, `${args.join(' ')} of a broken ZeroTrustRule`, [`ZT-RULE-001: ZeroTrustRule "${NAME}" does not compile: line 1, column 22: undeclared reference to 'objct'`, '(spec.validations[0].expression)'], CALICO);
      }
      assert.equal(await getObject(e, [RULES, NAME]), undefined);
    });

    test('one that compiles is stored, picked up by ztgate’s watch, decides, and stops deciding once deleted', async () => {
      const e = env();
      const ns = await e.namespace('rules', { serviceAccounts: ['web'] });
      const labelled = pod('marked', ns, { serviceAccountName: 'web', labels: { 'e2e-forbidden': 'yes' } });
      const tryLabelled = () => e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: labelled });
      assertAdmitted(await tryLabelled(), 'the labelled Pod before the rule exists');

      assertAdmitted(await e.kubectl(['create', '-f', '-'], { input: rule("!has(object.metadata.labels) || !('e2e-forbidden' in object.metadata.labels)") }), 'a ZeroTrustRule that compiles');
      const denied = await pollUntil('ztgate enforces the new rule', PICKUP_MS, async () => {
        const r = await tryLabelled();
        return r.code !== 0 ? r : undefined;
      });
      assertDenied(denied, 'the labelled Pod once the rule is in force', [`ZT-RULE ${NAME}: Pods may not carry the label e2e-forbidden`]);
      assertAdmitted(await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: pod('plain', ns, { serviceAccountName: 'web' }) }), 'a Pod without the label');

      assertAdmitted(await e.kubectl(['delete', RULES, NAME]), 'deleting the rule');
      const admitted = await pollUntil('ztgate drops the deleted rule', PICKUP_MS, async () => {
        const r = await tryLabelled();
        return r.code === 0 ? r : undefined;
      });
      assert.equal(admitted.code, 0, denialMessage(admitted));
    });

    test('a config rule on a kind no invariant needs runs: the registration sends ConfigMaps to rules-ignore.ztgate.io', async () => {
      const e = env();
      const ns = await e.namespace('endpoints');
      const configMap = (name: string, labels: Record<string, string>, url: string): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { api: url } });
      for (const args of [['create', '--dry-run=server', '-f', '-'], ['create', '-f', '-']]) {
        const r = await e.kubectl(args, { input: configMap('plain-http', { [ENDPOINTS_LABEL]: 'true' }, 'http://api.example.com') });
        assertDenied(r, `${args.join(' ')} of an endpoint ConfigMap with an http URL`, [`ZT-RULE ${ENDPOINTS_RULE}: endpoint ConfigMaps hold only https URLs`], RULES_IGNORE);
      }
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { input: configMap('tls', { [ENDPOINTS_LABEL]: 'true' }, 'https://api.example.com') }), 'an endpoint ConfigMap with an https URL');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { input: configMap('other', {}, 'http://api.example.com') }), 'a ConfigMap the rule does not select');
    });

    test('a ZeroTrustRule on what ztgate is never sent is admitted with a ZT-RULE-002 warning; on what the config routes, without', async () => {
      const e = env();
      const ingressRule = { ...rule('true'), metadata: { name: 'e2e-ingress-hosts' }, spec: { match: { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }, validations: [{ expression: 'true' }] } };
      const warned = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: ingressRule });
      assertAdmitted(warned, 'a ZeroTrustRule on Ingresses');
      assert.deepEqual(warningLines(warned), ['Warning: ZT-RULE-002: ZeroTrustRule "e2e-ingress-hosts": ztgate is never sent kind Ingress (spec.match.kinds[0])']);
      const configMapRule = { ...ingressRule, metadata: { name: 'e2e-configmaps' }, spec: { match: { apiGroups: [''], kinds: ['ConfigMap'] }, validations: [{ expression: 'true' }] } };
      const quiet = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: configMapRule });
      assertAdmitted(quiet, 'a ZeroTrustRule on ConfigMaps');
      assert.deepEqual(warningLines(quiet), []);
    });
  });
}
