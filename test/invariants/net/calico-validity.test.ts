import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { ALICE, CALICO_APISERVER, calico, configWith, deniedIds, findingsOf, POLICY_KINDS, review, ROOT, SECURITY_ADMIN } from './support.js';

const ID = 'ZT-NET-004';

type Kind = (typeof POLICY_KINDS)[number] | 'Tier';
/** [description, kind, name, spec, path of the expected finding (undefined: valid)] */
type Case = [string, Kind, string, JsonObject, string | undefined];

const NP = 'NetworkPolicy';
const GNP = 'GlobalNetworkPolicy';
const SNP = 'StagedNetworkPolicy';
const SGNP = 'StagedGlobalNetworkPolicy';
const in0 = (rule: JsonObject): JsonObject => ({ ingress: [rule] });
const eg0 = (rule: JsonObject): JsonObject => ({ egress: [rule] });
const allow = (fields: JsonObject): JsonObject => ({ action: 'Allow', ...fields });
const tcp = (fields: JsonObject): JsonObject => allow({ protocol: 'TCP', ...fields });
const I = 'spec.ingress[0]';

const CASES: Case[] = [
  // names and tiers
  ['a DNS label name', NP, 'thing', {}, undefined],
  ['a name with one dot (tier prefix)', NP, 'th.ing', {}, undefined],
  ['a name with several dots', NP, 't.h.i.ng', {}, 'metadata.name'],
  ['a mixed-case name', NP, 'tHiNg', {}, 'metadata.name'],
  ['a converted Kubernetes policy name', NP, 'knp.default.thing', {}, undefined],
  ['a converted name with a subdomain', NP, 'knp.default.a.b.c', {}, undefined],
  ['a 253-character name', NP, 'x'.repeat(253), {}, undefined],
  ['a 254-character name', NP, 'x'.repeat(254), {}, 'metadata.name'],
  ['a name starting with -', NP, '-thing', {}, 'metadata.name'],
  ['a tier prefix matching spec.tier', NP, 'eng.thing', { tier: 'eng' }, undefined],
  ['a tier prefix contradicting spec.tier', NP, 'eng.thing', { tier: 'ops' }, 'metadata.name'],
  ['an upper-case tier', NP, 'thing', { tier: 'Eng' }, 'spec.tier'],
  ['a dotted tier', NP, 'thing', { tier: 'a.b' }, 'spec.tier'],
  ['a non-numeric order', NP, 'thing', { order: 'first' }, 'spec.order'],
  ['a fractional order', NP, 'thing', { order: 100.5 }, undefined],
  // policy selectors, types and hints
  ['a valid selector', NP, 'thing', { selector: 'app == "web"' }, undefined],
  ['a broken selector', NP, 'thing', { selector: 'app ==' }, 'spec.selector'],
  ['global() as the policy selector', NP, 'thing', { selector: 'global()' }, 'spec.selector'],
  ['global() as the service account selector', NP, 'thing', { serviceAccountSelector: 'global()' }, 'spec.serviceAccountSelector'],
  ['a service account selector', NP, 'thing', { serviceAccountSelector: 'role in {"a"}' }, undefined],
  ['both types', NP, 'thing', { types: ['Ingress', 'Egress'] }, undefined],
  ['a repeated type', NP, 'thing', { types: ['Egress', 'Egress'] }, 'spec.types[1]'],
  ['an unknown type', NP, 'thing', { types: ['unexpected'] }, 'spec.types[0]'],
  ['types as a string', NP, 'thing', { types: 'Ingress' }, 'spec.types'],
  ['a known performance hint', NP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode'] }, undefined],
  ['an unknown performance hint', NP, 'thing', { performanceHints: ['junk'] }, 'spec.performanceHints[0]'],
  ['a repeated performance hint', NP, 'thing', { performanceHints: ['AssumeNeededOnEveryNode', 'AssumeNeededOnEveryNode'] }, 'spec.performanceHints[1]'],
  // actions and rule shape
  ['an Allow rule', NP, 'thing', in0(allow({})), undefined],
  ['a lower-case action', NP, 'thing', in0({ action: 'allow' }), `${I}.action`],
  ['an empty action', NP, 'thing', in0({ action: '' }), `${I}.action`],
  ['no action', NP, 'thing', in0({}), `${I}.action`],
  ['ingress as a map', NP, 'thing', { ingress: { action: 'Allow' } }, 'spec.ingress'],
  ['a rule that is a string', NP, 'thing', { ingress: ['Allow'] }, I],
  ['ipVersion 4', NP, 'thing', in0(allow({ ipVersion: 4 })), undefined],
  ['ipVersion 5', NP, 'thing', in0(allow({ ipVersion: 5 })), `${I}.ipVersion`],
  // protocols
  ['protocol TCP', NP, 'thing', in0(allow({ protocol: 'TCP' })), undefined],
  ['protocol tcp (case matters)', NP, 'thing', in0(allow({ protocol: 'tcp' })), `${I}.protocol`],
  ['protocol 0', NP, 'thing', in0(allow({ protocol: 0 })), `${I}.protocol`],
  ['protocol 256', NP, 'thing', in0(allow({ protocol: 256 })), `${I}.protocol`],
  ['protocol 132', NP, 'thing', in0(allow({ protocol: 132 })), undefined],
  ['protocol "17"', NP, 'thing', in0(allow({ protocol: '17' })), undefined],
  ['notProtocol UDPLite', NP, 'thing', in0(allow({ notProtocol: 'UDPLite' })), undefined],
  ['notProtocol bogus', NP, 'thing', in0(allow({ notProtocol: 'bogus' })), `${I}.notProtocol`],
  // ports and port ranges
  ['a port with TCP', NP, 'thing', in0(tcp({ destination: { ports: [80] } })), undefined],
  ['a numeric port without a protocol', NP, 'thing', in0(allow({ destination: { ports: [80] } })), `${I}.destination.ports[0]`],
  ['a named port without a protocol', NP, 'thing', in0(allow({ destination: { ports: ['http'] } })), undefined],
  ['a port range', NP, 'thing', in0(tcp({ destination: { ports: ['80:90'] } })), undefined],
  ['a reversed port range', NP, 'thing', in0(tcp({ destination: { ports: ['90:80'] } })), `${I}.destination.ports[0]`],
  ['a range from 0', NP, 'thing', in0(tcp({ destination: { ports: ['0:100'] } })), `${I}.destination.ports[0]`],
  ['port 0', NP, 'thing', in0(tcp({ destination: { ports: [0] } })), `${I}.destination.ports[0]`],
  ['port 65536', NP, 'thing', in0(tcp({ destination: { ports: [65536] } })), `${I}.destination.ports[0]`],
  ['an upper-case port name', NP, 'thing', in0(tcp({ destination: { ports: ['Http'] } })), `${I}.destination.ports[0]`],
  ['a port name over 15 characters', NP, 'thing', in0(tcp({ destination: { ports: ['a-very-long-port-name'] } })), `${I}.destination.ports[0]`],
  ['ports with ICMP', NP, 'thing', in0(allow({ protocol: 'ICMP', destination: { ports: [80] } })), `${I}.destination.ports[0]`],
  ['ports with protocol 6', NP, 'thing', in0(allow({ protocol: 6, destination: { ports: [80] } })), undefined],
  ['notPorts with protocol 17', NP, 'thing', in0(allow({ protocol: 17, source: { notPorts: [1] } })), undefined],
  ['ports with protocol 7', NP, 'thing', in0(allow({ protocol: 7, source: { ports: [1] } })), `${I}.source.ports[0]`],
  // ICMP
  ['ICMP type and code', NP, 'thing', in0(allow({ protocol: 'ICMP', icmp: { type: 8, code: 0 } })), undefined],
  ['ICMP type 255', NP, 'thing', in0(allow({ protocol: 'ICMP', icmp: { type: 255 } })), `${I}.icmp.type`],
  ['ICMP code 256', NP, 'thing', in0(allow({ protocol: 'ICMP', icmp: { type: 8, code: 256 } })), `${I}.icmp.code`],
  ['an ICMP code without a type', NP, 'thing', in0(allow({ protocol: 'ICMP', icmp: { code: 3 } })), `${I}.icmp.code`],
  ['ICMP fields with TCP', NP, 'thing', in0(allow({ protocol: 'TCP', icmp: { type: 8 } })), `${I}.icmp`],
  ['ICMP fields without a protocol', NP, 'thing', in0(allow({ icmp: { type: 8 } })), `${I}.icmp`],
  ['ICMPv6 with ipVersion 6', NP, 'thing', in0(allow({ protocol: 'ICMPv6', ipVersion: 6, icmp: { type: 128 } })), undefined],
  ['ICMP with ipVersion 6', NP, 'thing', in0(allow({ protocol: 'ICMP', ipVersion: 6 })), `${I}.ipVersion`],
  ['notProtocol ICMPv6 with ipVersion 4', NP, 'thing', in0(allow({ notProtocol: 'ICMPv6', ipVersion: 4 })), `${I}.ipVersion`],
  ['notICMP type 300', NP, 'thing', in0(allow({ notICMP: { type: 300 } })), `${I}.notICMP.type`],
  // nets
  ['a strictly masked net', NP, 'thing', in0(allow({ source: { nets: ['10.0.0.0/8'] } })), undefined],
  ['a net with host bits', NP, 'thing', in0(allow({ source: { nets: ['10.0.0.1/8'] } })), `${I}.source.nets[0]`],
  ['a net without a prefix', NP, 'thing', in0(allow({ source: { nets: ['10.0.0.0'] } })), `${I}.source.nets[0]`],
  ['a net that is no address', NP, 'thing', in0(allow({ source: { nets: ['300.0.0.0/8'] } })), `${I}.source.nets[0]`],
  ['IPv4 and IPv6 nets together', NP, 'thing', in0(allow({ source: { nets: ['10.0.0.0/8', 'fd00::/8'] } })), `${I}.source.nets[1]`],
  ['IPv4 source and IPv6 destination', NP, 'thing', in0(allow({ source: { nets: ['10.0.0.0/8'] }, destination: { nets: ['fd00::/8'] } })), `${I}.destination.nets[0]`],
  ['an IPv4 net with ipVersion 6', NP, 'thing', in0(allow({ ipVersion: 6, source: { nets: ['10.0.0.0/8'] } })), `${I}.source.nets[0]`],
  ['notNets 0.0.0.0/0', NP, 'thing', in0(allow({ source: { notNets: ['0.0.0.0/0'] } })), `${I}.source.notNets[0]`],
  ['notNets ::/0', NP, 'thing', in0(allow({ source: { notNets: ['::/0'] } })), `${I}.source.notNets[0]`],
  ['notNets 10.0.0.0/8', NP, 'thing', in0(allow({ source: { notNets: ['10.0.0.0/8'] } })), undefined],
  // entity selectors and service accounts
  ['global() as an entity selector', NP, 'thing', in0(allow({ source: { selector: 'global()' } })), `${I}.source.selector`],
  ['global() as an entity namespaceSelector', NP, 'thing', in0(allow({ source: { namespaceSelector: 'global()' } })), undefined],
  ['global() combined in a namespaceSelector', NP, 'thing', in0(allow({ source: { namespaceSelector: 'global() && all()' } })), `${I}.source.namespaceSelector`],
  ['a broken notSelector', NP, 'thing', in0(allow({ source: { notSelector: 'has(x' } })), `${I}.source.notSelector`],
  ['service account names and selector', NP, 'thing', in0(allow({ source: { serviceAccounts: { names: ['a'], selector: 'x == "y"' } } })), undefined],
  ['service account names as a string', NP, 'thing', in0(allow({ source: { serviceAccounts: { names: 'a' } } })), `${I}.source.serviceAccounts.names`],
  ['a broken service account selector', NP, 'thing', in0(allow({ source: { serviceAccounts: { selector: 'bad ==' } } })), `${I}.source.serviceAccounts.selector`],
  // services
  ['a Service as an ingress source', NP, 'thing', in0(allow({ source: { services: { name: 'svc1' } } })), undefined],
  ['a Service without a name', NP, 'thing', in0(allow({ source: { services: {} } })), `${I}.source.services.name`],
  ['a Service with a selector', NP, 'thing', in0(allow({ source: { services: { name: 'svc1' }, selector: 'a == "b"' } })), `${I}.source.services`],
  ['a Service with nets', NP, 'thing', in0(allow({ source: { services: { name: 'svc1' }, nets: ['10.0.0.0/8'] } })), `${I}.source.services`],
  ['a Service with service accounts', NP, 'thing', in0(allow({ source: { services: { name: 'svc1' }, serviceAccounts: { names: ['a'] } } })), `${I}.source.services`],
  ['a Service as an ingress destination', NP, 'thing', in0(allow({ destination: { services: { name: 'svc1' } } })), `${I}.destination.services`],
  ['a destination Service with ports', NP, 'thing', eg0(tcp({ destination: { services: { name: 'svc1' }, ports: [80] } })), 'spec.egress[0].destination.ports'],
  ['a Service as an egress source', NP, 'thing', eg0(allow({ source: { services: { name: 'svc1' } } })), 'spec.egress[0].source.services'],
  // HTTP
  ['an HTTP method match', NP, 'thing', in0(allow({ http: { methods: ['GET'] } })), undefined],
  ['HTTP on a Deny rule', NP, 'thing', in0({ action: 'Deny', http: { methods: ['GET'] } }), `${I}.http`],
  ['HTTP with UDP', NP, 'thing', in0(allow({ protocol: 'UDP', http: { methods: ['GET'] } })), `${I}.http`],
  ['HTTP in an egress rule', NP, 'thing', eg0(allow({ http: { methods: ['GET'] } })), 'spec.egress[0].http'],
  ['a repeated HTTP method', NP, 'thing', in0(allow({ http: { methods: ['GET', 'GET'] } })), `${I}.http.methods`],
  ['an HTTP path with exact and prefix', NP, 'thing', in0(allow({ http: { paths: [{ exact: '/a', prefix: '/b' }] } })), `${I}.http.paths[0]`],
  ['an HTTP path without /', NP, 'thing', in0(allow({ http: { paths: [{ exact: 'a' }] } })), `${I}.http.paths[0]`],
  ['an HTTP path with ?', NP, 'thing', in0(allow({ http: { paths: [{ prefix: '/a?b' }] } })), `${I}.http.paths[0]`],
  ['an empty HTTP path match', NP, 'thing', in0(allow({ http: { paths: [{}] } })), `${I}.http.paths[0]`],
  ['a rule annotation key that is no qualified name', NP, 'thing', in0(allow({ metadata: { annotations: { '...': 'x' } } })), `${I}.metadata.annotations`],
  ['a rule annotation', NP, 'thing', in0(allow({ metadata: { annotations: { 'team.example/owner': 'x' } } })), undefined],
  // GlobalNetworkPolicy
  ['a global policy', GNP, 'thing', {}, undefined],
  ['a global policy with a converted name', GNP, 'knp.default.thing', {}, 'metadata.name'],
  ['a global policy with its tier prefix', GNP, 'eng.thing', { tier: 'eng' }, undefined],
  ['global() as a global namespaceSelector', GNP, 'thing', { namespaceSelector: 'global()' }, 'spec.namespaceSelector'],
  ['a global namespaceSelector', GNP, 'thing', { namespaceSelector: 'team == "a"' }, undefined],
  ['preDNAT with doNotTrack', GNP, 'thing', { doNotTrack: true, preDNAT: true, applyOnForward: true }, 'spec.preDNAT'],
  ['preDNAT without applyOnForward', GNP, 'thing', { preDNAT: true }, 'spec.applyOnForward'],
  ['preDNAT with egress rules', GNP, 'thing', { preDNAT: true, applyOnForward: true, egress: [{ action: 'Allow' }] }, 'spec.egress'],
  ['preDNAT with the Egress type', GNP, 'thing', { preDNAT: true, applyOnForward: true, types: ['Egress'] }, 'spec.types'],
  ['doNotTrack with applyOnForward', GNP, 'thing', { doNotTrack: true, applyOnForward: true }, undefined],
  ['a global Service source without a namespace', GNP, 'thing', in0(allow({ source: { services: { name: 'a' } } })), `${I}.source.services.namespace`],
  ['a global Service destination with a namespace', GNP, 'thing', eg0(allow({ destination: { services: { name: 'a', namespace: 'shop' } } })), undefined],
  // StagedNetworkPolicy
  ['a staged Set', SNP, 'thing', { stagedAction: 'Set', selector: 'a == "b"' }, undefined],
  ['stagedAction Learn', SNP, 'thing', { stagedAction: 'Learn' }, undefined],
  ['stagedAction Ignore', SNP, 'thing', { stagedAction: 'Ignore' }, undefined],
  ['an unknown stagedAction', SNP, 'thing', { stagedAction: 'Warning' }, 'spec.stagedAction'],
  ['a staged Delete naming only its tier', SNP, 'eng.thing', { stagedAction: 'Delete', tier: 'eng' }, undefined],
  ['a staged Delete with a selector', SNP, 'thing', { stagedAction: 'Delete', selector: 'a == "b"' }, 'spec.selector'],
  ['a staged rule with a bad action', SNP, 'thing', { stagedAction: 'Set', ...in0({ action: 'nope' }) }, `${I}.action`],
  ['a staged policy with a mixed-case name', SNP, 'tHiNg', { stagedAction: 'Set' }, 'metadata.name'],
  // StagedGlobalNetworkPolicy
  ['a staged global Set', SGNP, 'thing', { stagedAction: 'Set', selector: 'a == "b"' }, undefined],
  ['a staged global Delete with types', SGNP, 'thing', { stagedAction: 'Delete', types: ['Ingress'] }, 'spec.types'],
  ['a staged global name with two dots', SGNP, 't.h.ing', {}, 'metadata.name'],
  ['a staged global preDNAT without applyOnForward', SGNP, 'thing', { preDNAT: true }, 'spec.applyOnForward'],
  // Tier
  ['a tier', 'Tier', 'foo', { order: 100 }, undefined],
  ['a tier with an empty spec', 'Tier', 'foo', {}, undefined],
  ['a dotted tier name', 'Tier', 'fo.o', { order: 100 }, 'metadata.name'],
  ['a 63-character tier name', 'Tier', 'x'.repeat(63), {}, undefined],
  ['a 64-character tier name', 'Tier', 'x'.repeat(64), {}, 'metadata.name'],
  ['a non-numeric tier order', 'Tier', 'foo', { order: 'high' }, 'spec.order'],
  ['a tier defaultAction Allow', 'Tier', 'foo', { defaultAction: 'Allow' }, 'spec.defaultAction'],
  ['the default tier with another order', 'Tier', 'default', { order: 10, defaultAction: 'Deny' }, 'spec.order'],
  ['the default tier passing', 'Tier', 'default', { order: 1_000_000, defaultAction: 'Pass' }, 'spec.defaultAction'],
  ['kube-admin as Calico defines it', 'Tier', 'kube-admin', { order: 1_000, defaultAction: 'Pass' }, undefined],
  ['kube-admin without defaultAction (defaults to Deny)', 'Tier', 'kube-admin', { order: 1_000 }, 'spec.defaultAction'],
  ['kube-baseline as Calico defines it', 'Tier', 'kube-baseline', { order: 10_000_000, defaultAction: 'Pass' }, undefined],
];

describe('ZT-NET-004 validity table', () => {
  for (const [description, kind, name, spec, path] of CASES) {
    test(`${kind}: ${description} → ${path === undefined ? 'valid' : `invalid at ${path}`}`, () => {
      const verdict = review(calico(kind, name, spec), { user: SECURITY_ADMIN });
      const paths = findingsOf(verdict, ID).map((finding) => finding.path);
      if (path === undefined) {
        assert.deepEqual(paths, []);
        assert.equal(verdict.allowed, true);
      } else {
        assert.ok(paths.includes(path), `expected a finding at ${path}, got ${JSON.stringify(findingsOf(verdict, ID))}`);
        assert.deepEqual(deniedIds(verdict), [ID]);
      }
    });
  }

  test('covers every Calico kind with at least 100 cases', () => {
    assert.ok(CASES.length >= 100, `${CASES.length} cases`);
    for (const kind of [...POLICY_KINDS, 'Tier']) {
      assert.ok(CASES.some((entry) => entry[1] === kind && entry[4] !== undefined), `${kind} has no invalid case`);
      assert.ok(CASES.some((entry) => entry[1] === kind && entry[4] === undefined), `${kind} has no valid case`);
    }
  });
});

describe('ZT-NET-004 and crd.projectcalico.org/v1', () => {
  for (const kind of [...POLICY_KINDS, 'Tier'] as const) {
    const object = calico(kind, kind === 'Tier' ? 'platform' : 'default.thing', kind === 'Tier' ? { order: 100 } : {}, 'crd');

    test(`${kind}: a direct write by a user is denied`, () => {
      const verdict = review(object, { user: SECURITY_ADMIN });
      assert.deepEqual(deniedIds(verdict), [ID]);
      assert.deepEqual(
        findingsOf(verdict, ID).map((f) => [f.path, f.summary]),
        [['apiVersion', `user "sam" writes ${kind} "${String((object['metadata'] as JsonObject)['name'])}" directly through crd.projectcalico.org/v1`]],
      );
    });

    test(`${kind}: a direct delete by a user is denied, even by break-glass`, () => {
      for (const user of [ALICE, ROOT]) assert.deepEqual(deniedIds(review(object, { operation: 'DELETE', user })), [ID]);
    });

    test(`${kind}: Calico’s own service account writes and deletes`, () => {
      assert.equal(review(object, { user: CALICO_APISERVER }).allowed, true);
      assert.equal(review(object, { operation: 'DELETE', user: CALICO_APISERVER }).allowed, true);
    });
  }

  test('the list of Calico service accounts is configurable', () => {
    const config = configWith({ policy: { calicoServiceAccounts: ['system:serviceaccount:calico:writer'] } });
    const object = calico('GlobalNetworkPolicy', 'default.thing', {}, 'crd');
    assert.equal(review(object, { user: { username: 'system:serviceaccount:calico:writer', groups: [] } }, config).allowed, true);
    assert.equal(review(object, { user: CALICO_APISERVER }, config).allowed, false);
  });
});

test('DELETE through projectcalico.org/v3 is not a validity question', () => {
  const verdict = review(calico('NetworkPolicy', 't.h.i.ng', {}), { operation: 'DELETE', user: SECURITY_ADMIN });
  assert.deepEqual(findingsOf(verdict, ID), []);
});
