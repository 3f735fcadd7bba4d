/**
 * No allow-all and no single-identity rule in the pack, judged by ztgate's own ZT-NET-001 and ZT-NET-002
 * in enforce mode; the negative controls show the check would notice if someone added one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asArray, asObject, type JsonObject } from '../../src/util/json.js';
import {
  allowRules,
  checkObjects,
  check,
  describeProblems,
  docSection,
  ENFORCE_CONFIG,
  isCalicoPolicy,
  nameOf,
  PACK_DIR,
  packObjects,
  SECURITY_ADMIN,
  specOf,
  type AllowRule,
} from './support.js';

const ENFORCE = ['--config', ENFORCE_CONFIG, ...SECURITY_ADMIN];
const pack = packObjects();
const rules = allowRules(pack);
const securityPolicies = pack.map((object) => object.value).filter((object) => isCalicoPolicy(object) && specOf(object)['tier'] === 'security');

/** A copy of the rule's policy in which `edit` changes that rule's peer (ports stay where they are). */
function withPeer(allow: AllowRule, edit: (peer: JsonObject) => void): JsonObject {
  const copy = structuredClone(allow.policy.value);
  const rule = asObject(asArray(specOf(copy)[allow.rule.direction])[allow.rule.index]);
  assert.ok(rule, `${allow.label} is gone from the copy`);
  const peer = asObject(rule[allow.rule.peerSide]) ?? {};
  edit(peer);
  rule[allow.rule.peerSide] = peer;
  return copy;
}

function onlyRule(allow: AllowRule): JsonObject {
  const copy = structuredClone(allow.policy.value);
  const spec = specOf(copy);
  spec['ingress'] = allow.rule.direction === 'ingress' ? [allow.rule.rule] : [];
  spec['egress'] = allow.rule.direction === 'egress' ? [allow.rule.rule] : [];
  return copy;
}

test('the pack has Allow rules with both identities and with an address only, so the controls below cover both', () => {
  assert.ok(rules.some((allow) => allow.rule.peer['serviceAccounts'] !== undefined));
  assert.ok(rules.some((allow) => allow.rule.peer['serviceAccounts'] === undefined));
});

describe('with ZT-NET-001 and ZT-NET-002 in enforce mode', () => {
  test('the whole pack is admitted without a single violation', async () => {
    const run = await check(['-f', PACK_DIR, ...ENFORCE]);
    assert.equal(run.code, 0, describeProblems(run));
    for (const result of run.results) assert.deepEqual(result.violations, [], `${result.kind} ${result.name}`);
  });

  for (const allow of rules) {
    test(`${allow.label} alone is admitted`, async () => {
      const run = await checkObjects([onlyRule(allow)], ENFORCE);
      assert.equal(run.code, 0, describeProblems(run));
      assert.deepEqual(run.results[0]?.violations, []);
    });
  }
});

interface Control {
  name: string;
  policy: JsonObject;
  id: 'ZT-NET-001' | 'ZT-NET-002';
  path: string;
}

function removeNetworkIdentity(peer: JsonObject): void {
  delete peer['selector'];
  delete peer['namespaceSelector'];
  delete peer['nets'];
}

function controls(): Control[] {
  const found: Control[] = [];
  for (const allow of rules) {
    const path = allow.rule.peerPath;
    const keepPorts = (peer: JsonObject): void => {
      for (const key of Object.keys(peer)) if (key !== 'ports') delete peer[key];
    };
    found.push({ name: `${allow.label}: peer left open`, policy: withPeer(allow, keepPorts), id: 'ZT-NET-001', path });
    found.push({
      name: `${allow.label}: peer is 0.0.0.0/0`,
      policy: withPeer(allow, (peer) => {
        keepPorts(peer);
        peer['nets'] = ['0.0.0.0/0'];
      }),
      id: 'ZT-NET-001',
      path,
    });
    if (allow.rule.peer['serviceAccounts'] !== undefined) {
      found.push({ name: `${allow.label}: serviceAccounts dropped`, policy: withPeer(allow, (peer) => delete peer['serviceAccounts']), id: 'ZT-NET-002', path });
      found.push({ name: `${allow.label}: network identity dropped`, policy: withPeer(allow, removeNetworkIdentity), id: 'ZT-NET-002', path });
    } else {
      found.push({
        name: `${allow.label}: labels instead of an address`,
        policy: withPeer(allow, (peer) => {
          removeNetworkIdentity(peer);
          peer['selector'] = "app == 'prober'";
        }),
        id: 'ZT-NET-002',
        path,
      });
    }
  }
  for (const policy of securityPolicies) {
    const types = asArray(specOf(policy)['types']);
    for (const direction of ['ingress', 'egress'] as const) {
      if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
      const copy = structuredClone(policy);
      const list = asArray(specOf(copy)[direction]);
      specOf(copy)[direction] = [...list, { action: 'Allow' }];
      const side = direction === 'ingress' ? 'source' : 'destination';
      found.push({ name: `${nameOf(policy)}: an allow-all ${direction} rule added`, policy: copy, id: 'ZT-NET-001', path: `spec.${direction}[${list.length}].${side}` });
    }
  }
  return found;
}

describe('negative controls: the same check refuses a pack policy made allow-all or single-identity', () => {
  const cases = controls();
  test('every security policy and every Allow rule has a control of each kind that applies', () => {
    assert.ok(cases.filter((c) => c.id === 'ZT-NET-001').length >= rules.length * 2 + securityPolicies.length);
    assert.ok(cases.filter((c) => c.id === 'ZT-NET-002').length >= rules.length);
  });
  for (const control of cases) {
    test(control.name, async () => {
      const run = await checkObjects([control.policy], ENFORCE);
      assert.equal(run.code, 1, `admitted: ${describeProblems(run)}`);
      const violations = run.results[0]?.violations ?? [];
      assert.ok(
        violations.some((v) => v.id === control.id && v.mode === 'enforce' && v.path === control.path),
        `expected ${control.id} at ${control.path}, got ${violations.map((v) => `${v.id} ${v.path}`).join(', ') || 'nothing'}`,
      );
    });
  }
});

describe('address-only rules', () => {
  test('are exactly the ones docs/policy-pack.md lists, each with the peer it is for', () => {
    const documented = docSection('### Address-only rules')
      .map((line) => /^- `([^`]+)`: \S/.exec(line)?.[1])
      .filter((label): label is string => label !== undefined);
    const inPack = rules.filter((allow) => allow.rule.peer['serviceAccounts'] === undefined).map((allow) => allow.label);
    assert.deepEqual(inPack.sort(), documented.sort());
  });

  test('name only nets, which ZT-NET-002 treats as addresses, never a workload', () => {
    for (const allow of rules.filter((a) => a.rule.peer['serviceAccounts'] === undefined)) {
      const peerKeys = Object.keys(allow.rule.peer).filter((key) => key !== 'ports');
      assert.deepEqual(peerKeys, ['nets'], allow.label);
      assert.ok(asArray(allow.rule.peer['nets']).length > 0, allow.label);
    }
  });
});
