import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import type { Config } from '../../../src/config/types.js';
import { decide } from '../../../src/engine/decide.js';
import { denialLine } from '../../../src/engine/messages.js';
import type { Verdict } from '../../../src/engine/types.js';
import type { JsonObject } from '../../../src/util/json.js';
import { ALICE, configWith, factsFor, findingsOf, ROOT, SECURITY_ADMIN } from '../net/support.js';

const ID = 'ZT-NS-001';
const NAME_LABEL = 'kubernetes.io/metadata.name';
type User = { username: string; groups: string[] };
type Labels = Record<string, string>;

function namespaceObject(name: string, labels: Labels, annotations: Labels = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, [NAME_LABEL]: name }, annotations } };
}

/**
 * The request the API server sends for `kubectl label namespace`: an UPDATE whose `namespace` is the
 * namespace's own name (kubernetes/kubernetes#95012), with the stored object as oldObject.
 */
function relabel(name: string, before: Labels, after: Labels, user: User = ALICE, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: '7e1c0b9a-3f54-4c2e-8d7a-1b2c3d4e5f60',
    kind: { group: '', version: 'v1', kind: 'Namespace' },
    resource: { group: '', version: 'v1', resource: 'namespaces' },
    namespace: name,
    name,
    operation: 'UPDATE',
    userInfo: user,
    object: namespaceObject(name, after),
    oldObject: namespaceObject(name, before),
    dryRun: false,
    ...extra,
  } as AdmissionRequest;
}

function judge(request: AdmissionRequest, config: Config = configWith({})): Verdict {
  // The informer holds the stored namespace: its labels are the ones before the update.
  const before = (request.oldObject?.['metadata'] as { labels?: Labels } | undefined)?.labels ?? {};
  return decide(request, factsFor(before), config);
}

/** A cluster that protects by label, excepts by label and scopes rules by label. */
const LABELLED = configWith({
  protection: { namespaceSelector: { matchLabels: { 'zero-trust': 'enabled' } }, owners: { users: ['carol'], groups: [] }, identityLabels: ['team', 'example.com/tenant'] },
  exceptions: [
    { name: 'legacy-egress', invariants: ['ZT-POD-005'], namespaceSelector: { matchLabels: { legacy: 'true' } }, reason: 'the database moves in Q3' },
    { name: 'old-batch', invariants: ['ZT-POD-002'], namespaceSelector: { matchLabels: { batch: 'true' } }, reason: 'gone', expires: '2026-01-01' },
    { name: 'named', invariants: ['ZT-POD-003'], namespaces: ['shop'], namespaceSelector: { matchLabels: { named: 'true' } }, reason: 'by name already' },
  ],
  rules: [
    { name: 'prod-images', match: { kinds: ['Pod'], namespaceSelector: { matchLabels: { stage: 'prod' } } }, validations: [{ expression: 'true' }] },
    { name: 'prod-hints', mode: 'warn', match: { kinds: ['Pod'], namespaceSelector: { matchLabels: { hints: 'on' } } }, validations: [{ expression: 'true' }] },
    { name: 'payments-only', match: { kinds: ['Pod'], namespaces: ['payments'], namespaceSelector: { matchLabels: { pci: 'true' } } }, validations: [{ expression: 'true' }] },
  ],
});

const MESH = { 'istio-injection': 'enabled' };
const PROTECTED = { 'zero-trust': 'enabled' };

/** [description, config, before, after, user, expected [path, summary] per finding] */
const CASES: [string, Config, Labels, Labels, User, [string, string][]][] = [
  [
    'removing istio-injection=enabled',
    configWith({}),
    MESH,
    {},
    ALICE,
    [['metadata.labels[istio-injection]', 'user "alice" takes namespace "shop" out of the mesh: removes label istio-injection, which was "enabled"']],
  ],
  [
    'setting istio-injection=disabled',
    configWith({}),
    MESH,
    { 'istio-injection': 'disabled' },
    ALICE,
    [['metadata.labels[istio-injection]', 'user "alice" takes namespace "shop" out of the mesh: changes label istio-injection from "enabled" to "disabled"']],
  ],
  [
    'removing ztgate.io/mesh=enabled',
    configWith({}),
    { 'ztgate.io/mesh': 'enabled' },
    {},
    ALICE,
    [['metadata.labels[ztgate.io/mesh]', 'user "alice" takes namespace "shop" out of the mesh: removes label ztgate.io/mesh, which was "enabled"']],
  ],
  [
    'removing the Istio revision label',
    configWith({}),
    { 'istio.io/rev': 'canary' },
    {},
    ALICE,
    [['metadata.labels[istio.io/rev]', 'user "alice" takes namespace "shop" out of the mesh: removes label istio.io/rev, which was "canary"']],
  ],
  [
    'adding istio-injection=disabled beside a revision label (Istio reads it first)',
    configWith({}),
    { 'istio.io/rev': 'canary' },
    { 'istio.io/rev': 'canary', 'istio-injection': 'disabled' },
    ALICE,
    [['metadata.labels[istio-injection]', 'user "alice" takes namespace "shop" out of the mesh: adds label istio-injection as "disabled"']],
  ],
  ['moving to another Istio revision (canary upgrade)', configWith({}), { 'istio.io/rev': 'canary' }, { 'istio.io/rev': 'stable' }, ALICE, []],
  ['removing one of two mesh labels (still in the mesh)', configWith({}), { ...MESH, 'ztgate.io/mesh': 'enabled' }, MESH, ALICE, []],
  ['joining the mesh', configWith({}), {}, MESH, ALICE, []],
  ['changing a label nothing reads', configWith({}), { ...MESH, team: 'a' }, { ...MESH, team: 'b' }, ALICE, []],
  ['an owner (group ztgate:security-admins) leaving the mesh', configWith({}), MESH, {}, SECURITY_ADMIN, []],
  ['an owner named in protection.owners.users', LABELLED, { ...PROTECTED, ...MESH }, {}, { username: 'carol', groups: [] }, []],
  [
    'a security admin once protection.owners lists other subjects and no groups',
    LABELLED,
    PROTECTED,
    {},
    SECURITY_ADMIN,
    [['metadata.labels[zero-trust]', 'user "sam" takes namespace "shop" out of protection (protection.namespaceSelector no longer selects it): removes label zero-trust, which was "enabled"']],
  ],
  [
    'leaving protection',
    LABELLED,
    PROTECTED,
    { 'zero-trust': 'off' },
    ALICE,
    [['metadata.labels[zero-trust]', 'user "alice" takes namespace "shop" out of protection (protection.namespaceSelector no longer selects it): changes label zero-trust from "enabled" to "off"']],
  ],
  [
    'leaving protection and the mesh at once',
    LABELLED,
    { ...PROTECTED, ...MESH },
    {},
    ALICE,
    [
      ['metadata.labels[zero-trust]', 'user "alice" takes namespace "shop" out of protection (protection.namespaceSelector no longer selects it): removes label zero-trust, which was "enabled"'],
      ['metadata.labels[istio-injection]', 'user "alice" takes namespace "shop" out of the mesh: removes label istio-injection, which was "enabled"'],
    ],
  ],
  ['leaving the mesh outside protection (ZT-POD-006 does not run there)', LABELLED, MESH, {}, ALICE, []],
  ['joining protection', LABELLED, {}, PROTECTED, ALICE, []],
  [
    'coming under an exception by label',
    LABELLED,
    PROTECTED,
    { ...PROTECTED, legacy: 'true' },
    ALICE,
    [['metadata.labels[legacy]', 'user "alice" takes namespace "shop" under exception "legacy-egress": adds label legacy as "true"']],
  ],
  ['leaving an exception', LABELLED, { ...PROTECTED, legacy: 'true' }, PROTECTED, ALICE, []],
  ['coming under an expired exception', LABELLED, PROTECTED, { ...PROTECTED, batch: 'true' }, ALICE, []],
  ['coming under an exception that names the namespace already', LABELLED, PROTECTED, { ...PROTECTED, named: 'true' }, ALICE, []],
  [
    'leaving the reach of an enforcing rule',
    LABELLED,
    { ...PROTECTED, stage: 'prod' },
    { ...PROTECTED, stage: 'dev' },
    ALICE,
    [['metadata.labels[stage]', 'user "alice" takes namespace "shop" out of the reach of rule "prod-images": changes label stage from "prod" to "dev"']],
  ],
  ['coming into the reach of a rule', LABELLED, PROTECTED, { ...PROTECTED, stage: 'prod' }, ALICE, []],
  ['leaving the reach of a rule that only warns', LABELLED, { ...PROTECTED, hints: 'on' }, PROTECTED, ALICE, []],
  ['leaving the selector of a rule that names other namespaces', LABELLED, { ...PROTECTED, pci: 'true' }, PROTECTED, ALICE, []],
  [
    'adding an identity label (protection.identityLabels)',
    LABELLED,
    PROTECTED,
    { ...PROTECTED, team: 'payments' },
    ALICE,
    [['metadata.labels[team]', 'user "alice" changes the network identity of namespace "shop": adds label team as "payments"']],
  ],
  [
    'removing one identity label and changing another',
    LABELLED,
    { ...PROTECTED, team: 'shop', 'example.com/tenant': 'a' },
    { ...PROTECTED, 'example.com/tenant': 'b' },
    ALICE,
    [['metadata.labels[team]', 'user "alice" changes the network identity of namespace "shop": removes label team, which was "shop"']],
  ],
  ['an identity label in a namespace outside protection is identity all the same', LABELLED, {}, { team: 'payments' }, ALICE, [['metadata.labels[team]', 'user "alice" changes the network identity of namespace "shop": adds label team as "payments"']]],
  ['an owner changing an identity label', LABELLED, { team: 'shop' }, { team: 'payments' }, { username: 'carol', groups: [] }, []],
  ['an identity label nobody configured', configWith({}), {}, { team: 'payments' }, ALICE, []],
  [
    'an identity label named like an Object.prototype member',
    configWith({ protection: { identityLabels: ['constructor'] } }),
    {},
    { constructor: 'payments' },
    ALICE,
    [['metadata.labels[constructor]', 'user "alice" changes the network identity of namespace "shop": adds label constructor as "payments"']],
  ],
  ['a label named like an Object.prototype member, unchanged', configWith({ protection: { identityLabels: ['constructor', 'toString'] } }), { constructor: 'a' }, { constructor: 'a' }, ALICE, []],
];

/** A Namespace CREATE: measured against the same namespace with only the label the API server sets. */
function creation(name: string, labels: Labels, user: User = ALICE): AdmissionRequest {
  const request = relabel(name, {}, labels, user, { operation: 'CREATE' });
  delete request.oldObject;
  return request;
}

const OPT_OUT = configWith({ protection: { namespaceSelector: { matchExpressions: [{ key: 'stage', operator: 'NotIn', values: ['experimental'] }] } } });
const BY_NAME = configWith({ protection: { namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'NotIn', values: ['shop'] }] } } });
const REACH = configWith({ rules: [{ name: 'not-dev', match: { kinds: ['Pod'], namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } }, validations: [{ expression: 'true' }] }] });

/** [description, config, labels at creation, user, expected [path, summary] per finding] */
const CREATIONS: [string, Config, Labels, User, [string, string][]][] = [
  ['a namespace without labels', LABELLED, {}, ALICE, []],
  ['a mesh namespace', configWith({}), MESH, ALICE, []],
  ['a namespace that opts into protection', LABELLED, PROTECTED, ALICE, []],
  [
    'a namespace under an exception by label',
    LABELLED,
    { legacy: 'true' },
    ALICE,
    [['metadata.labels[legacy]', 'user "alice" creates namespace "shop" under exception "legacy-egress": adds label legacy as "true"']],
  ],
  [
    'a namespace with an identity label',
    LABELLED,
    { team: 'payments' },
    ALICE,
    [['metadata.labels[team]', 'user "alice" gives new namespace "shop" a network identity: adds label team as "payments"']],
  ],
  ['a namespace with an identity label, by an owner', LABELLED, { team: 'payments' }, { username: 'carol', groups: [] }, []],
  [
    'a namespace that opts out of protection by label',
    OPT_OUT,
    { stage: 'experimental' },
    ALICE,
    [['metadata.labels[stage]', 'user "alice" creates namespace "shop" outside protection (protection.namespaceSelector does not select it): adds label stage as "experimental"']],
  ],
  ['a namespace the protection selector leaves out by its name (no label chosen)', BY_NAME, {}, ALICE, []],
  [
    'a namespace outside an enforcing rule’s reach by label',
    REACH,
    { env: 'dev' },
    ALICE,
    [['metadata.labels[env]', 'user "alice" creates namespace "shop" outside the reach of rule "not-dev": adds label env as "dev"']],
  ],
];

describe('ZT-NS-001 on creation: labels that take a new namespace out of what an unlabelled one gets', () => {
  for (const [description, config, labels, user, expected] of CREATIONS) {
    test(`${description}: ${expected.length === 0 ? 'allowed' : 'denied'}`, () => {
      const verdict = judge(creation('shop', labels, user), config);
      assert.deepEqual(findingsOf(verdict, ID).map((finding) => [finding.path, finding.summary]), expected);
      assert.equal(verdict.allowed, expected.length === 0);
    });
  }

  test('the denial says to create the namespace without the label', () => {
    const verdict = judge(creation('shop', { team: 'payments' }), LABELLED);
    assert.match(denialLine(verdict.denials[0]!), /\. Create the namespace without the label, or ask user carol to make the change\.$/);
  });
});

describe('ZT-NS-001 a namespace is relabelled out of what guards it only by protection owners', () => {
  for (const [description, config, before, after, user, expected] of CASES) {
    test(`${description}: ${expected.length === 0 ? 'allowed' : 'denied'}`, () => {
      const verdict = judge(relabel('shop', before, after, user), config);
      assert.deepEqual(
        findingsOf(verdict, ID).map((finding) => [finding.path, finding.summary]),
        expected,
      );
      assert.equal(verdict.allowed, expected.length === 0);
    });
  }

  test('the denial is one line: id, who did what to which label, why, and who may', () => {
    const verdict = judge(relabel('shop', MESH, {}));
    assert.equal(
      denialLine(verdict.denials[0]!),
      'ZT-NS-001: user "alice" takes namespace "shop" out of the mesh: removes label istio-injection, which was "enabled" (metadata.labels[istio-injection]); its new Pods would start without the sidecar proxy, outside mutual TLS and identity-based policy; only protection.owners may do that. Keep the label as it was, or ask group ztgate:security-admins to make the change.',
    );
  });

  test('a break-glass group is allowed, with a warning and an audit annotation', () => {
    const verdict = judge(relabel('shop', MESH, {}, ROOT));
    assert.equal(verdict.allowed, true);
    assert.deepEqual(findingsOf(verdict, ID).map((finding) => finding.notice), [true]);
    assert.equal(verdict.warnings.length, 1);
    assert.match(verdict.warnings[0]!, /^ZT-NS-001: break-glass: "root" takes namespace "shop" out of the mesh/);
    assert.match(Object.values(verdict.auditAnnotations).join('\n'), /group system:masters bypasses namespace protection/);
  });

  test('annotations, finalizers and the status subresource are not judged', () => {
    const annotated = relabel('shop', MESH, MESH);
    annotated.object = namespaceObject('shop', MESH, { owner: 'team-a' });
    assert.deepEqual(findingsOf(judge(annotated), ID), []);
    const status = relabel('shop', MESH, {}, ALICE, { subResource: 'status' });
    assert.deepEqual(findingsOf(judge(status), ID), []);
  });

  test('deleting a namespace is not judged', () => {
    const deleted = relabel('shop', MESH, MESH, ALICE, { operation: 'DELETE' });
    delete deleted.object;
    assert.deepEqual(findingsOf(judge(deleted), ID), []);
  });

  test('system namespaces and ztgate’s own are never judged, so they can always be repaired', () => {
    for (const name of ['kube-system', 'ztgate-system']) {
      const verdict = judge(relabel(name, MESH, {}));
      assert.equal(verdict.allowed, true, name);
      assert.match(verdict.skipped ?? '', /never evaluated/, name);
    }
  });

  test('in warn mode the relabelling goes through with a warning; an exception by name lifts it', () => {
    const warned = judge(relabel('shop', MESH, {}), configWith({ invariants: { [ID]: 'warn' } }));
    assert.equal(warned.allowed, true);
    assert.match(warned.warnings[0] ?? '', /^ZT-NS-001: /);
    const excepted = judge(
      relabel('shop', MESH, {}),
      configWith({ exceptions: [{ name: 'mesh-migration', invariants: [ID], namespaces: ['shop'], reason: 'moving to ambient (PLAT-9)' }] }),
    );
    assert.equal(excepted.allowed, true);
    assert.match(excepted.auditAnnotations[`exception-${ID}`] ?? '', /^mesh-migration: /);
  });

  test('protection.identityLabels must be label keys: a typo would guard nothing', () => {
    assert.deepEqual(configWith({}).protection.identityLabels, []);
    assert.deepEqual(configWith({ protection: { identityLabels: ['team', 'example.com/tenant'] } }).protection.identityLabels, ['team', 'example.com/tenant']);
    assert.throws(() => configWith({ protection: { identityLabels: ['team '] } }), /protection\.identityLabels\[0\]: "team " is not a label key/);
    assert.throws(() => configWith({ protection: { identityLabels: ['a/b/c'] } }), /protection\.identityLabels\[0\]/);
    assert.throws(() => configWith({ protection: { identityLabels: 'team' } }), /protection\.identityLabels/);
    assert.throws(() => configWith({ protection: { identityLabels: ['kubernetes.io/metadata.name'] } }), /the API server sets this label/);
  });

  test('protection.owners defaults to group ztgate:security-admins and is validated like the other subject lists', () => {
    assert.deepEqual(configWith({}).protection.owners, { users: [], groups: ['ztgate:security-admins'] });
    assert.throws(() => configWith({ protection: { owners: { group: ['x'] } } }), /protection\.owners/);
    assert.throws(() => configWith({ protection: { owners: { users: 'alice' } } }), /protection\.owners\.users/);
  });
});
