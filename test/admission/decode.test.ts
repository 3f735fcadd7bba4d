import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReview } from '../../src/admission/decode.js';
import { ZtgateError, type ErrorCode } from '../../src/errors.js';
import type { JsonObject } from '../../src/util/json.js';
import { pod, reviewOf } from '../support/reviews.js';

const valid = reviewOf(pod({ serviceAccountName: 'web' }));

/** A valid review with one field replaced (undefined deletes it). */
function withRequest(changes: Record<string, unknown>): JsonObject {
  const review = structuredClone(valid);
  const request = review['request'] as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete request[key];
    else request[key] = value;
  }
  return review;
}

const MALFORMED: { name: string; body: unknown; code: ErrorCode; mentions: string }[] = [
  { name: 'null body', body: null, code: 'REVIEW_NOT_OBJECT', mentions: 'got null' },
  { name: 'array body', body: [valid], code: 'REVIEW_NOT_OBJECT', mentions: 'an array' },
  { name: 'string body', body: 'AdmissionReview', code: 'REVIEW_NOT_OBJECT', mentions: 'a string' },
  { name: 'v1beta1 review', body: { ...valid, apiVersion: 'admission.k8s.io/v1beta1' }, code: 'REVIEW_API_VERSION', mentions: 'admission.k8s.io/v1beta1' },
  { name: 'missing apiVersion', body: { kind: 'AdmissionReview', request: valid['request'] }, code: 'REVIEW_API_VERSION', mentions: 'apiVersion' },
  { name: 'wrong kind', body: { ...valid, kind: 'Pod' }, code: 'REVIEW_KIND', mentions: '"Pod"' },
  { name: 'no request', body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, code: 'REQUEST_MISSING', mentions: 'request' },
  { name: 'request is a list', body: { ...valid, request: [] }, code: 'REQUEST_FIELD', mentions: 'request: expected an object' },
  { name: 'missing uid', body: withRequest({ uid: undefined }), code: 'REQUEST_FIELD', mentions: 'request.uid: is required' },
  { name: 'empty uid', body: withRequest({ uid: '' }), code: 'REQUEST_FIELD', mentions: 'request.uid: must not be empty' },
  { name: 'numeric uid', body: withRequest({ uid: 42 }), code: 'REQUEST_FIELD', mentions: 'request.uid: expected a string' },
  { name: 'unknown operation', body: withRequest({ operation: 'PATCH' }), code: 'REQUEST_FIELD', mentions: 'request.operation' },
  { name: 'missing operation', body: withRequest({ operation: undefined }), code: 'REQUEST_FIELD', mentions: 'request.operation: is required' },
  { name: 'missing kind', body: withRequest({ kind: undefined }), code: 'REQUEST_FIELD', mentions: 'request.kind: is required' },
  { name: 'kind without version', body: withRequest({ kind: { group: '', kind: 'Pod' } }), code: 'REQUEST_FIELD', mentions: 'request.kind.version' },
  { name: 'kind as string', body: withRequest({ kind: 'Pod' }), code: 'REQUEST_FIELD', mentions: 'request.kind: expected an object' },
  { name: 'missing resource', body: withRequest({ resource: undefined }), code: 'REQUEST_FIELD', mentions: 'request.resource' },
  { name: 'CREATE without object', body: withRequest({ object: undefined }), code: 'REQUEST_OBJECT', mentions: 'request.object: is required for CREATE' },
  { name: 'object is a string', body: withRequest({ object: 'apiVersion: v1' }), code: 'REQUEST_OBJECT', mentions: 'expected a JSON object, got a string' },
  { name: 'object is an array', body: withRequest({ object: [] }), code: 'REQUEST_OBJECT', mentions: 'got an array' },
  { name: 'UPDATE without oldObject', body: withRequest({ operation: 'UPDATE' }), code: 'REQUEST_OBJECT', mentions: 'request.oldObject: is required for UPDATE' },
  { name: 'DELETE without oldObject', body: withRequest({ operation: 'DELETE', object: null }), code: 'REQUEST_OBJECT', mentions: 'request.oldObject' },
  { name: 'groups not strings', body: withRequest({ userInfo: { username: 'a', groups: [1] } }), code: 'REQUEST_FIELD', mentions: 'request.userInfo.groups' },
  { name: 'userInfo a string', body: withRequest({ userInfo: 'alice' }), code: 'REQUEST_FIELD', mentions: 'request.userInfo' },
  { name: 'dryRun a string', body: withRequest({ dryRun: 'true' }), code: 'REQUEST_FIELD', mentions: 'request.dryRun' },
  { name: 'namespace a number', body: withRequest({ namespace: 7 }), code: 'REQUEST_FIELD', mentions: 'request.namespace' },
];

describe('decodeReview rejects malformed reviews with a coded error naming the field', () => {
  for (const { name, body, code, mentions } of MALFORMED) {
    test(name, () => {
      assert.throws(
        () => decodeReview(body),
        (error: unknown) => {
          assert.ok(error instanceof ZtgateError, `expected ZtgateError, got ${String(error)}`);
          assert.equal(error.code, code);
          assert.equal(error.status, 400);
          assert.ok(error.message.includes(mentions), `"${error.message}" should mention "${mentions}"`);
          return true;
        },
      );
    });
  }
});

describe('decodeReview accepts what the API server sends', () => {
  test('keeps the object exactly as sent', () => {
    const review = decodeReview(valid);
    assert.equal(review.request.object, (valid['request'] as JsonObject)['object']);
    assert.equal(review.request.operation, 'CREATE');
    assert.equal(review.request.dryRun, false);
    assert.deepEqual(review.request.userInfo, { username: 'alice', groups: ['system:authenticated'] });
  });
  test('DELETE carries oldObject only', () => {
    const review = decodeReview(reviewOf(pod(), { operation: 'DELETE' }));
    assert.equal(review.request.object, undefined);
    assert.ok(review.request.oldObject);
  });
  test('CONNECT needs no object', () => {
    const review = decodeReview(withRequest({ operation: 'CONNECT', object: undefined, subResource: 'exec' }));
    assert.equal(review.request.subResource, 'exec');
  });
  test('missing userInfo is an anonymous caller', () => {
    assert.deepEqual(decodeReview(withRequest({ userInfo: undefined })).request.userInfo, { username: '', groups: [] });
  });
  test('dryRun true is kept', () => {
    assert.equal(decodeReview(withRequest({ dryRun: true })).request.dryRun, true);
  });
});
