import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findException, type ExceptionSubject } from '../../src/engine/exceptions.js';
import type { ExceptionRule } from '../../src/config/types.js';

const now = new Date('2026-11-23T12:00:00Z');
const base = { invariants: ['ZT-NET-002'], reason: 'r' };
const byName: ExceptionRule = { ...base, name: 'by-name', namespaces: ['shop'] };
const bySelector: ExceptionRule = { ...base, name: 'by-selector', namespaces: [], namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [] } };
const clusterWide: ExceptionRule = { ...base, name: 'cluster', namespaces: [], objectSelector: { matchLabels: { legacy: 'true' }, matchExpressions: [] } };
const expired: ExceptionRule = { ...byName, name: 'expired', expires: new Date('2026-11-01T00:00:00Z') };

function subject(overrides: Partial<ExceptionSubject>): ExceptionSubject {
  return { invariantId: 'ZT-NET-002', namespace: 'shop', namespaceLabels: {}, objectLabels: {}, now, ...overrides };
}

const CASES: { name: string; exceptions: ExceptionRule[]; subject: Partial<ExceptionSubject>; expected: string | undefined }[] = [
  { name: 'namespace by name', exceptions: [byName], subject: {}, expected: 'by-name' },
  { name: 'other namespace', exceptions: [byName], subject: { namespace: 'other' }, expected: undefined },
  { name: 'other invariant', exceptions: [byName], subject: { invariantId: 'ZT-NET-001' }, expected: undefined },
  { name: 'namespace by selector', exceptions: [bySelector], subject: { namespaceLabels: { team: 'a' } }, expected: 'by-selector' },
  { name: 'selector not matching', exceptions: [bySelector], subject: { namespaceLabels: { team: 'b' } }, expected: undefined },
  { name: 'expired', exceptions: [expired], subject: {}, expected: undefined },
  { name: 'cluster-scoped object by objectSelector', exceptions: [clusterWide], subject: { namespace: '', objectLabels: { legacy: 'true' } }, expected: 'cluster' },
  { name: 'cluster-scoped object not selected', exceptions: [clusterWide], subject: { namespace: '', objectLabels: {} }, expected: undefined },
  { name: 'a namespace exception never covers cluster-scoped objects', exceptions: [byName, bySelector], subject: { namespace: '', namespaceLabels: { team: 'a' } }, expected: undefined },
  { name: 'an objectSelector-only exception never covers namespaced objects', exceptions: [clusterWide], subject: { objectLabels: { legacy: 'true' } }, expected: undefined },
];

describe('findException', () => {
  for (const { name, exceptions, subject: overrides, expected } of CASES) {
    test(name, () => {
      assert.equal(findException(exceptions, subject(overrides))?.name, expected);
    });
  }
});
