import assert from 'node:assert/strict';
import type { AdmissionRequest, Operation } from '../../../src/admission/types.js';
import { defaultConfig, parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { decide } from '../../../src/engine/decide.js';
import type { Facts, Verdict } from '../../../src/engine/types.js';
import type { JsonObject } from '../../../src/util/json.js';

export const ALICE = { username: 'alice', groups: ['system:authenticated'] };
export const SECURITY_ADMIN = { username: 'sam', groups: ['system:authenticated', 'ztgate:security-admins'] };
export const ROOT = { username: 'root', groups: ['system:authenticated', 'system:masters'] };
export const CALICO_APISERVER = { username: 'system:serviceaccount:calico-apiserver:calico-apiserver', groups: ['system:serviceaccounts'] };

export interface RequestOptions {
  operation?: Operation;
  oldObject?: JsonObject;
  user?: { username: string; groups: string[] };
  dryRun?: boolean;
  subResource?: string;
}

/** The AdmissionRequest the API server sends for `object` (on DELETE the object goes to oldObject). */
export function admissionRequest(object: JsonObject, options: RequestOptions = {}): AdmissionRequest {
  const apiVersion = String(object['apiVersion']);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(object['kind']);
  const metadata = (object['metadata'] ?? {}) as JsonObject;
  const operation = options.operation ?? 'CREATE';
  const request: AdmissionRequest = {
    uid: 'b3f0d7a2-5c1e-4e8f-9a61-2f4c0d9e7a10',
    kind: { group: group!, version: version!, kind },
    resource: { group: group!, version: version!, resource: `${kind.toLowerCase()}s` },
    operation,
    userInfo: options.user ?? ALICE,
    dryRun: options.dryRun ?? false,
  };
  if (typeof metadata['namespace'] === 'string') request.namespace = metadata['namespace'];
  if (typeof metadata['name'] === 'string') request.name = metadata['name'];
  if (options.subResource) request.subResource = options.subResource;
  if (operation === 'DELETE') request.oldObject = object;
  else request.object = object;
  if (options.oldObject) request.oldObject = options.oldObject;
  return request;
}

export const FIXED_NOW = new Date('2026-03-01T12:00:00Z');

export function factsFor(namespaceLabels: Record<string, string> = {}): Facts {
  return { namespaceLabels, now: FIXED_NOW };
}

export function review(object: JsonObject, options: RequestOptions = {}, config: Config = defaultConfig()): Verdict {
  return decide(admissionRequest(object, options), factsFor(), config);
}

export function configWith(raw: JsonObject): Config {
  return parseConfig(raw, 'test');
}

/** Ids of violations of one invariant family, in the order found, with the mode they ran in. */
export function findingsOf(verdict: Verdict, id: string): { mode: string; path: string; summary: string; notice: boolean }[] {
  return verdict.violations
    .filter((violation) => violation.invariantId === id)
    .map((violation) => ({ mode: violation.mode, path: violation.path, summary: violation.summary, notice: violation.notice === true }));
}

export function deniedIds(verdict: Verdict): string[] {
  return [...new Set(verdict.denials.map((violation) => violation.invariantId))];
}

/** A Calico policy object: group `v3` (projectcalico.org/v3) or `crd` (crd.projectcalico.org/v1). */
export function calico(
  kind: 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'Tier',
  name: string,
  spec: JsonObject,
  spelling: 'v3' | 'crd' = 'v3',
  namespace = 'shop',
): JsonObject {
  const global = kind.includes('Global') || kind === 'Tier';
  const metadata: JsonObject = { name };
  if (!global) metadata['namespace'] = namespace;
  return { apiVersion: spelling === 'v3' ? 'projectcalico.org/v3' : 'crd.projectcalico.org/v1', kind, metadata, spec };
}

export const POLICY_KINDS = ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'] as const;
export const SPELLINGS = ['v3', 'crd'] as const;

/** Who may write a spelling without ZT-NET-004's direct-write denial. */
export function writerFor(spelling: 'v3' | 'crd'): { username: string; groups: string[] } {
  return spelling === 'crd' ? CALICO_APISERVER : SECURITY_ADMIN;
}

/** Reviews `object` and checks invariant `id` reports exactly `paths`, and that the verdict follows. */
export function expectFindingPaths(id: string, object: JsonObject, paths: string[], options: RequestOptions = {}, config?: Config): void {
  const verdict = review(object, options, config);
  assert.deepEqual(
    findingsOf(verdict, id).map((finding) => finding.path),
    paths,
  );
  assert.equal(verdict.allowed, paths.length === 0);
}
