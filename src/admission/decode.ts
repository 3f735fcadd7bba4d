import { ZtgateError } from '../errors.js';
import { isJsonObject, type JsonObject } from '../util/json.js';
import {
  ADMISSION_API_VERSION,
  OPERATIONS,
  type AdmissionRequest,
  type AdmissionReview,
  type GroupVersionKind,
  type GroupVersionResource,
  type Operation,
  type UserInfo,
} from './types.js';

function fieldError(path: string, problem: string): ZtgateError {
  return new ZtgateError('REQUEST_FIELD', `${path}: ${problem}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function requiredString(source: JsonObject, key: string, path: string, allowEmpty = false): string {
  const value = source[key];
  if (value === undefined) throw fieldError(`${path}.${key}`, 'is required');
  if (typeof value !== 'string') throw fieldError(`${path}.${key}`, `expected a string, got ${typeName(value)}`);
  if (!allowEmpty && value === '') throw fieldError(`${path}.${key}`, 'must not be empty');
  return value;
}

function optionalString(source: JsonObject, key: string, path: string): string | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fieldError(`${path}.${key}`, `expected a string, got ${typeName(value)}`);
  return value;
}

function requiredObject(source: JsonObject, key: string, path: string): JsonObject {
  const value = source[key];
  if (!isJsonObject(value)) {
    throw fieldError(`${path}.${key}`, value === undefined ? 'is required' : `expected an object, got ${typeName(value)}`);
  }
  return value;
}

/** A group/version/(kind|resource) triple; the group may be empty (the core API group). */
function decodeTriple<K extends 'kind' | 'resource'>(
  source: JsonObject,
  key: string,
  path: string,
  required: boolean,
  last: K,
): ({ group: string; version: string } & Record<K, string>) | undefined {
  if (!required && (source[key] === undefined || source[key] === null)) return undefined;
  const value = requiredObject(source, key, path);
  const at = `${path}.${key}`;
  return {
    group: requiredString(value, 'group', at, true),
    version: requiredString(value, 'version', at),
    [last]: requiredString(value, last, at),
  } as { group: string; version: string } & Record<K, string>;
}

function decodeGvk(source: JsonObject, key: string, path: string, required: boolean): GroupVersionKind | undefined {
  return decodeTriple(source, key, path, required, 'kind');
}

function decodeGvr(source: JsonObject, key: string, path: string, required: boolean): GroupVersionResource | undefined {
  return decodeTriple(source, key, path, required, 'resource');
}

function decodeUserInfo(source: JsonObject): UserInfo {
  const path = 'request.userInfo';
  const value = source['userInfo'];
  // The API server always sends userInfo; an absent one means an anonymous caller, never a privileged one.
  if (value === undefined || value === null) return { username: '', groups: [] };
  if (!isJsonObject(value)) throw fieldError(path, `expected an object, got ${typeName(value)}`);
  const groups = value['groups'];
  if (groups !== undefined && groups !== null && (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string'))) {
    throw fieldError(`${path}.groups`, 'expected a list of strings');
  }
  const info: UserInfo = {
    username: optionalString(value, 'username', path) ?? '',
    groups: Array.isArray(groups) ? (groups as string[]) : [],
  };
  const uid = optionalString(value, 'uid', path);
  if (uid !== undefined) info.uid = uid;
  const extra = value['extra'];
  if (extra !== undefined && extra !== null) {
    if (!isJsonObject(extra) || !Object.values(extra).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
      throw fieldError(`${path}.extra`, 'expected a map of string lists');
    }
    info.extra = extra as Record<string, string[]>;
  }
  return info;
}

function decodeObject(source: JsonObject, key: 'object' | 'oldObject', operation: Operation): JsonObject | undefined {
  const value = source[key];
  const needed = key === 'object' ? operation === 'CREATE' || operation === 'UPDATE' : operation === 'UPDATE' || operation === 'DELETE';
  if (value === undefined || value === null) {
    if (needed) throw new ZtgateError('REQUEST_OBJECT', `request.${key}: is required for ${operation}`);
    return undefined;
  }
  if (!isJsonObject(value)) {
    throw new ZtgateError('REQUEST_OBJECT', `request.${key}: expected a JSON object, got ${typeName(value)}`);
  }
  return value;
}

function setPresent<K extends keyof AdmissionRequest>(request: AdmissionRequest, key: K, value: AdmissionRequest[K] | undefined): void {
  if (value !== undefined && value !== '') request[key] = value;
}

/**
 * unknown in, a typed AdmissionReview out, or a ZtgateError naming the field. The objects are kept
 * exactly as sent (no coercion), because patches are diffs against them.
 */
export function decodeReview(body: unknown): AdmissionReview {
  if (!isJsonObject(body)) throw new ZtgateError('REVIEW_NOT_OBJECT', `the body must be a JSON object, got ${typeName(body)}`);
  if (body['apiVersion'] !== ADMISSION_API_VERSION) {
    throw new ZtgateError(
      'REVIEW_API_VERSION',
      `apiVersion: expected "${ADMISSION_API_VERSION}", got ${JSON.stringify(body['apiVersion'] ?? null)} (register the webhook with admissionReviewVersions: ["v1"])`,
    );
  }
  if (body['kind'] !== 'AdmissionReview') {
    throw new ZtgateError('REVIEW_KIND', `kind: expected "AdmissionReview", got ${JSON.stringify(body['kind'] ?? null)}`);
  }
  const raw = body['request'];
  if (raw === undefined || raw === null) throw new ZtgateError('REQUEST_MISSING', 'request: is required');
  if (!isJsonObject(raw)) throw fieldError('request', `expected an object, got ${typeName(raw)}`);

  const path = 'request';
  const uid = requiredString(raw, 'uid', path);
  const operationText = requiredString(raw, 'operation', path);
  if (!(OPERATIONS as readonly string[]).includes(operationText)) {
    throw fieldError('request.operation', `expected one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(operationText)}`);
  }
  const operation = operationText as Operation;
  const dryRun = raw['dryRun'];
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') {
    throw fieldError('request.dryRun', `expected a boolean, got ${typeName(dryRun)}`);
  }
  const request: AdmissionRequest = {
    uid,
    kind: decodeGvk(raw, 'kind', path, true)!,
    resource: decodeGvr(raw, 'resource', path, true)!,
    operation,
    userInfo: decodeUserInfo(raw),
    dryRun: dryRun === true,
  };
  // Optional fields are set only when present (and non-empty), so absent ones stay absent, not undefined.
  setPresent(request, 'subResource', optionalString(raw, 'subResource', path));
  setPresent(request, 'requestSubResource', optionalString(raw, 'requestSubResource', path));
  setPresent(request, 'name', optionalString(raw, 'name', path));
  setPresent(request, 'namespace', optionalString(raw, 'namespace', path));
  setPresent(request, 'requestKind', decodeGvk(raw, 'requestKind', path, false));
  setPresent(request, 'requestResource', decodeGvr(raw, 'requestResource', path, false));
  setPresent(request, 'object', decodeObject(raw, 'object', operation));
  setPresent(request, 'oldObject', decodeObject(raw, 'oldObject', operation));
  const options = raw['options'];
  if (isJsonObject(options)) request.options = options;
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', request };
}
