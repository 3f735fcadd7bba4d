import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ruleMatches } from '../../src/cel/match.js';
import type { RuleMatch } from '../../src/cel/model.js';
import type { AdmissionRequest } from '../../src/admission/types.js';
import type { JsonObject } from '../../src/util/json.js';
import { requestFor } from './support.js';

const base: RuleMatch = { apiGroups: ['*'], kinds: ['Pod'], resources: [], operations: ['CREATE', 'UPDATE'], namespaces: [] };
const pod = (labels: Record<string, string> = {}): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', labels } });
const namespaceObject = (name: string, labels: Record<string, string>): JsonObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const clusterRole: JsonObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } };

interface Case {
  why: string;
  match: Partial<RuleMatch>;
  request: AdmissionRequest;
  namespaceLabels?: Record<string, string>;
  expected: boolean;
}

const protectedNs = { 'ztgate.io/protected': 'true' };
const selector = { matchLabels: protectedNs, matchExpressions: [] };

const CASES: Case[] = [
  { why: 'a kind on its main resource', match: {}, request: requestFor(pod()), expected: true },
  { why: 'another kind', match: { kinds: ['Service'] }, request: requestFor(pod()), expected: false },
  { why: 'any kind', match: { kinds: ['*'] }, request: requestFor(pod()), expected: true },
  { why: 'a kind never matches a subresource', match: {}, request: requestFor(pod(), { subResource: 'ephemeralcontainers' }), expected: false },
  { why: 'a named subresource', match: { kinds: [], resources: ['pods/ephemeralcontainers'] }, request: requestFor(pod(), { subResource: 'ephemeralcontainers' }), expected: true },
  { why: 'resource/* matches its subresources', match: { kinds: [], resources: ['pods/*'] }, request: requestFor(pod(), { subResource: 'status' }), expected: true },
  { why: 'resource/* does not match the main resource', match: { kinds: [], resources: ['pods/*'] }, request: requestFor(pod()), expected: false },
  { why: '* matches main resources only', match: { kinds: [], resources: ['*'] }, request: requestFor(pod(), { subResource: 'status' }), expected: false },
  { why: '*/* matches everything', match: { kinds: [], resources: ['*/*'] }, request: requestFor(pod(), { subResource: 'status' }), expected: true },
  { why: '*/status matches any status', match: { kinds: [], resources: ['*/status'] }, request: requestFor(pod(), { subResource: 'status' }), expected: true },
  { why: 'an operation outside the list', match: {}, request: requestFor(pod(), { operation: 'DELETE' }), expected: false },
  { why: 'any operation', match: { operations: ['*'] }, request: requestFor(pod(), { operation: 'DELETE' }), expected: true },
  { why: 'another API group', match: { apiGroups: ['apps'] }, request: requestFor(pod()), expected: false },
  { why: 'the core group by ""', match: { apiGroups: [''] }, request: requestFor(pod()), expected: true },
  { why: 'a namespace by name', match: { namespaces: ['shop'] }, request: requestFor(pod()), expected: true },
  { why: 'a namespace not listed', match: { namespaces: ['other'] }, request: requestFor(pod()), expected: false },
  { why: 'a namespace selector that matches', match: { namespaceSelector: selector }, request: requestFor(pod()), namespaceLabels: protectedNs, expected: true },
  { why: 'a namespace selector that does not', match: { namespaceSelector: selector }, request: requestFor(pod()), namespaceLabels: {}, expected: false },
  { why: 'name and selector must both match', match: { namespaces: ['shop'], namespaceSelector: selector }, request: requestFor(pod()), namespaceLabels: {}, expected: false },
  { why: 'a Namespace matches on its own labels', match: { kinds: ['Namespace'], namespaceSelector: selector }, request: requestFor(namespaceObject('payments', protectedNs)), expected: true },
  { why: 'a Namespace matches on its own name', match: { kinds: ['Namespace'], namespaces: ['payments'] }, request: requestFor(namespaceObject('payments', {})), expected: true },
  { why: 'a cluster-scoped object ignores a namespace selector', match: { kinds: ['ClusterRole'], namespaceSelector: selector }, request: requestFor(clusterRole, { resource: 'clusterroles' }), expected: true },
  { why: 'a cluster-scoped object never matches named namespaces', match: { kinds: ['ClusterRole'], namespaces: ['shop'] }, request: requestFor(clusterRole, { resource: 'clusterroles' }), expected: false },
  { why: 'an object selector on the object', match: { objectSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }, request: requestFor(pod({ app: 'web' })), expected: true },
  { why: 'an object selector on the old object', match: { objectSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }, request: requestFor(pod(), { operation: 'UPDATE', oldObject: pod({ app: 'web' }) }), expected: true },
  { why: 'an object selector on neither', match: { objectSelector: { matchLabels: { app: 'web' }, matchExpressions: [] } }, request: requestFor(pod({ app: 'db' })), expected: false },
];

describe('rule match', () => {
  for (const c of CASES) {
    test(c.why, () => {
      assert.equal(ruleMatches({ ...base, ...c.match }, { request: c.request, namespaceLabels: c.namespaceLabels ?? {} }), c.expected);
    });
  }
});
