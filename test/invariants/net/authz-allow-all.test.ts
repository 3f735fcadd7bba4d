import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { configWith, expectFindingPaths, review } from './support.js';

const ID = 'ZT-NET-007';

function authorizationPolicy(version: string, spec: JsonObject, namespace = 'shop'): JsonObject {
  return { apiVersion: `security.istio.io/${version}`, kind: 'AuthorizationPolicy', metadata: { name: 'authz', namespace }, spec };
}

const PRINCIPALS = { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] };

/** [description, spec, paths of the findings] */
const CASES: [string, JsonObject, string[]][] = [
  ['rules: [{}]', { rules: [{}] }, ['spec.rules[0]']],
  ['explicit ALLOW with rules: [{}]', { action: 'ALLOW', rules: [{}] }, ['spec.rules[0]']],
  ['a selector does not make rules: [{}] safe', { selector: { matchLabels: { app: 'web' } }, rules: [{}] }, ['spec.rules[0]']],
  ['from: [] and to: []', { rules: [{ from: [], to: [] }] }, ['spec.rules[0]']],
  ['a from entry with an empty source', { rules: [{ from: [{ source: {} }] }] }, ['spec.rules[0]']],
  ['an empty to operation', { rules: [{ to: [{ operation: {} }] }] }, ['spec.rules[0]']],
  ['an open rule after a narrow one', { rules: [PRINCIPALS, {}] }, ['spec.rules[1]']],
  ['principals ["*"]: every mesh identity (mTLS is STRICT where this runs)', { rules: [{ from: [{ source: { principals: ['*'] } }] }] }, ['spec.rules[0]']],
  ['a principal prefix that stops at the trust domain', { rules: [{ from: [{ source: { principals: ['cluster.local/*'] } }] }] }, ['spec.rules[0]']],
  ['a principal prefix of every namespace', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/*'] } }] }] }, ['spec.rules[0]']],
  ['one wildcard among exact principals', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web', '*'] } }] }] }, ['spec.rules[0]']],
  ['namespaces ["*"]', { rules: [{ from: [{ source: { namespaces: ['*'] } }] }] }, ['spec.rules[0]']],
  ['ipBlocks of every address', { rules: [{ from: [{ source: { ipBlocks: ['0.0.0.0/0'] } }] }] }, ['spec.rules[0]']],
  ['remoteIpBlocks of every IPv6 address', { rules: [{ from: [{ source: { remoteIpBlocks: ['::/0'] } }] }] }, ['spec.rules[0]']],
  ['wildcard principals and wildcard operations', { rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { methods: ['*'], paths: ['*'], hosts: ['*'] } }] }] }, ['spec.rules[0]']],
  ['a wildcard source as one alternative among narrow ones', { rules: [{ from: [PRINCIPALS.from[0]!, { source: { namespaces: ['*'] } }] }] }, ['spec.rules[0]']],
  ['an empty not-list narrows nothing', { rules: [{ from: [{ source: { principals: ['*'], notPrincipals: [] } }] }] }, ['spec.rules[0]']],
  ['wildcard principals in a namespace', { rules: [{ from: [{ source: { principals: ['*'], namespaces: ['shop'] } }] }] }, []],
  ['wildcard principals but for one', { rules: [{ from: [{ source: { principals: ['*'], notPrincipals: ['cluster.local/ns/sandbox/sa/default'] } }] }] }, []],
  ['wildcard principals to one path', { rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { paths: ['/health'] } }] }] }, []],
  ['wildcard principals on one port', { rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] }] }, []],
  ['wildcard principals with a condition', { rules: [{ from: [{ source: { principals: ['*'] } }], when: [{ key: 'request.headers[x-tenant]', values: ['a'] }] }] }, []],
  ['a principal prefix of one namespace', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/*'] } }] }] }, []],
  ['a principal suffix (one ServiceAccount name in every namespace)', { rules: [{ from: [{ source: { principals: ['*/sa/web'] } }] }] }, []],
  ['namespaces by prefix', { rules: [{ from: [{ source: { namespaces: ['shop-*'] } }] }] }, []],
  ['requestPrincipals ["*"] still requires a valid JWT', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] }, []],
  ['an address range short of everything', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }] }, []],
  ['an empty spec (deny all)', {}, []],
  ['ALLOW with no rules (matches nothing)', { action: 'ALLOW' }, []],
  ['rules: []', { rules: [] }, []],
  ['a rule naming principals', { rules: [PRINCIPALS] }, []],
  ['a rule naming namespaces', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }, []],
  ['a rule naming operations', { rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/health'] } }] }] }, []],
  ['a rule with a condition', { rules: [{ when: [{ key: 'request.auth.claims[iss]', values: ['https://issuer.example'] }] }] }, []],
  ['DENY with rules: [{}]', { action: 'DENY', rules: [{}] }, []],
  ['AUDIT with rules: [{}]', { action: 'AUDIT', rules: [{}] }, []],
  ['CUSTOM with rules: [{}]', { action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{}] }, []],
];

describe('ZT-NET-007', () => {
  for (const version of ['v1', 'v1beta1']) {
    for (const [description, spec, paths] of CASES) {
      test(`${version}: ${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
        expectFindingPaths(ID, authorizationPolicy(version, spec), paths);
      });
    }
  }

  test('the denial reads as one line', () => {
    const verdict = review(authorizationPolicy('v1', { rules: [{}] }));
    assert.equal(verdict.denials.length, 1);
    assert.equal(verdict.denials[0]!.summary, 'rule 0 has no from, to or when, so the ALLOW policy allows every request');
  });

  test('a wildcard rule names the wildcards in its one line', () => {
    const verdict = review(authorizationPolicy('v1', { rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { methods: ['*'] } }] }] }));
    assert.equal(verdict.denials.length, 1);
    assert.equal(
      verdict.denials[0]!.summary,
      'rule 0 is narrowed only by wildcards (from[0].source.principals "*", to[0].operation.methods "*"), so the ALLOW policy allows every request',
    );
  });

  test('namespaces outside protection are not checked', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.equal(review(authorizationPolicy('v1', { rules: [{}] }, 'sandbox'), {}, config).allowed, true);
  });
});
