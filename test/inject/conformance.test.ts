import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { applyPatch } from 'rfc6902';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { mutateObject } from '../../src/inject/admission.js';
import { injectManifest } from '../../src/inject/manifest.js';
import { diffPatch } from '../../src/patch/diff.js';
import { asObject, isJsonObject, type JsonObject, type JsonValue } from '../../src/util/json.js';
import { podRequest, yamlDocuments } from './helpers.js';

/**
 * Conformance with istiod: Istio's own injector golden files (read at run time from
 * ../shared/reference/istio-inject, never copied into this repository) are injected by ztgate with the
 * settings Istio's test used, both as `ztgate inject` does it and through the webhook (the patch applied
 * to the Pod a controller would create), and compared with istiod's output.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REFERENCE = resolve(REPO, '../shared/reference/istio-inject');
const present = existsSync(REFERENCE);

/** Reference files ztgate deliberately answers differently, with the reason. None so far. */
const DEVIATIONS: Record<string, string> = {};

/** Istio's settings for its golden files (see ../shared/reference/README.md). */
function istioTestConfig(name: string): Config {
  return parseConfig(
    {
      injection: {
        hub: 'registry.istio.io/testing',
        tag: 'latest',
        nativeSidecars: !name.includes('-old-version'),
        holdApplicationUntilProxyStarts: name.startsWith('merge-probers'),
      },
    },
    `istio test settings for ${name}`,
  );
}

const EMPTY_DIR_BY_DEFAULT = ['workload-socket', 'credential-socket', 'workload-certs'];

/**
 * Both sides as the API server would store them: Go's serialisation adds empty `resources`, `strategy`,
 * `status` and a null `creationTimestamp`, and writes three emptyDir volumes with their name only (the
 * API server defaults them to `emptyDir: {}`, which ztgate writes explicitly).
 */
function normalize(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'creationTimestamp' && child === null) continue;
    if (['resources', 'strategy', 'status'].includes(key) && isJsonObject(child) && Object.keys(child).length === 0) continue;
    out[key] = normalize(child);
  }
  if (typeof out['name'] === 'string' && EMPTY_DIR_BY_DEFAULT.includes(out['name']) && Object.keys(out).length === 1) {
    out['emptyDir'] = {};
  }
  return out;
}

/** The path of the first difference, for the report. */
function firstDifference(actual: JsonValue | undefined, expected: JsonValue | undefined, path = ''): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined;
  if (Array.isArray(actual) && Array.isArray(expected)) {
    for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
      const found = firstDifference(actual[i], expected[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isJsonObject(actual) && isJsonObject(expected)) {
    for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      const found = firstDifference(actual[key], expected[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return `${path || '(root)'}: got ${JSON.stringify(actual)?.slice(0, 120)}, want ${JSON.stringify(expected)?.slice(0, 120)}`;
}

interface Case {
  name: string;
  input: JsonObject[];
  expected: JsonObject[];
  config: Config;
}

function cases(): Case[] {
  return readdirSync(REFERENCE)
    .filter((file) => file.endsWith('.yaml.injected'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.injected$/, '');
      const inputFile = name.replace('-old-version', '');
      return {
        name,
        input: yamlDocuments(readFileSync(resolve(REFERENCE, inputFile), 'utf8')),
        expected: yamlDocuments(readFileSync(resolve(REFERENCE, file), 'utf8')),
        config: istioTestConfig(name),
      };
    });
}

const POD_HASH = '5f9d8c7b6d';

/** The Pod a controller would create from a manifest, and how to take the controller's traces off again. */
function podOf(manifest: JsonObject): { pod: JsonObject; template: (object: JsonObject) => JsonObject } | undefined {
  const kind = String(manifest['kind']);
  const name = String(asObject(manifest['metadata'])?.['name']);
  if (kind === 'Pod') return { pod: manifest, template: (object) => object };
  const template = asObject(asObject(manifest['spec'])?.['template']);
  if (!template) return undefined;
  const metadata = structuredClone(asObject(template['metadata']) ?? {});
  const labels = (metadata['labels'] = asObject(metadata['labels']) ?? {});
  const owner = kind === 'Deployment' ? { kind: 'ReplicaSet', name: `${name}-${POD_HASH}` } : { kind, name };
  if (kind === 'Deployment') labels['pod-template-hash'] = POD_HASH;
  metadata['generateName'] = `${owner.name}-`;
  metadata['ownerReferences'] = [
    { apiVersion: String(manifest['apiVersion']), kind: owner.kind, name: owner.name, uid: 'uid-1', controller: true },
  ];
  const pod: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(asObject(template['spec']) ?? {}) };
  return {
    pod,
    template: (object) => {
      const out = structuredClone(object);
      const meta = asObject(out['metadata']) ?? {};
      delete meta['generateName'];
      delete meta['ownerReferences'];
      delete asObject(meta['labels'])?.['pod-template-hash'];
      if (Object.keys(asObject(meta['labels']) ?? {}).length === 0) delete meta['labels'];
      return { metadata: meta, spec: out['spec']! };
    },
  };
}

function expectedPod(manifest: JsonObject): JsonObject {
  if (manifest['kind'] === 'Pod') return manifest;
  const template = asObject(asObject(manifest['spec'])?.['template']) ?? {};
  return { metadata: template['metadata'] ?? {}, spec: template['spec'] ?? {} };
}

/** The difference of the webhook path for one case, or undefined when the patched Pods equal istiod's. */
function webhookDifference(c: Case): string | undefined {
  for (const [i, manifest] of c.input.entries()) {
    const shaped = podOf(manifest);
    if (!shaped) return `document ${i}: no Pod template`;
    const result = mutateObject({
      request: podRequest(shaped.pod, { namespace: 'default' }),
      facts: { namespaceLabels: { 'istio-injection': 'enabled' }, now: new Date(0) },
      config: c.config,
      protectedNamespace: false,
    });
    if (result.denial || result.internalError) return `document ${i}: ${result.denial ?? result.internalError}`;
    const patched = structuredClone(shaped.pod);
    if (result.mutated) applyPatch(patched, diffPatch(shaped.pod, result.mutated));
    const actual = shaped.template(patched);
    const expected = expectedPod(c.expected[i]!);
    const wanted = manifest['kind'] === 'Pod' ? expected : { metadata: expected['metadata']!, spec: expected['spec']! };
    const got = manifest['kind'] === 'Pod' ? actual : { metadata: actual['metadata']!, spec: actual['spec']! };
    const found = firstDifference(normalize(got), normalize(wanted));
    if (found) return `document ${i}: ${found}`;
  }
  return undefined;
}

function manifestDifference(c: Case): string | undefined {
  const actual = c.input.map((manifest) => injectManifest(manifest, c.config.injection, c.config.systemNamespaces).object);
  return firstDifference(normalize(actual), normalize(c.expected));
}

describe('conformance with istiod golden files', { skip: present ? false : `reference files not found at ${REFERENCE}: run where ../shared/reference sits beside the checkout` }, () => {
  const all = present ? cases() : [];

  test('every istiod golden file is reproduced (kube-inject path and webhook path)', (t) => {
    assert.ok(all.length > 0, `no *.yaml.injected in ${REFERENCE}`);
    const unexplained: string[] = [];
    for (const c of all) {
      for (const [path, difference] of [
        ['ztgate inject', manifestDifference(c)],
        ['webhook', webhookDifference(c)],
      ] as const) {
        if (difference === undefined) {
          t.diagnostic(`MATCH ${c.name} (${path})`);
        } else if (DEVIATIONS[c.name]) {
          t.diagnostic(`DEVIATION ${c.name} (${path}): ${DEVIATIONS[c.name]} [${difference}]`);
        } else {
          t.diagnostic(`DIFF ${c.name} (${path}): ${difference}`);
          unexplained.push(`${c.name} (${path}): ${difference}`);
        }
      }
    }
    t.diagnostic(`conformance: ${all.length * 2 - unexplained.length - Object.keys(DEVIATIONS).length * 2} of ${all.length * 2} match`);
    assert.deepEqual(unexplained, []);
  });

  test('the bad excludeOutboundPorts annotation is refused, naming it, on both paths', () => {
    const file = resolve(REFERENCE, 'traffic-annotations-bad-excludeoutboundports.yaml');
    const [manifest] = yamlDocuments(readFileSync(file, 'utf8'));
    const config = istioTestConfig('traffic-annotations-bad-excludeoutboundports');
    assert.throws(() => injectManifest(manifest!, config.injection, []), /traffic\.sidecar\.istio\.io\/excludeOutboundPorts/);
    const result = mutateObject({
      request: podRequest(podOf(manifest!)!.pod, { namespace: 'default' }),
      facts: { namespaceLabels: { 'istio-injection': 'enabled' }, now: new Date(0) },
      config,
      protectedNamespace: false,
    });
    assert.match(result.denial ?? '', /traffic\.sidecar\.istio\.io\/excludeOutboundPorts="bad"/);
    assert.equal(result.mutated, undefined);
  });

  test('re-injecting istiod output changes nothing (a Pod injected by an older istiod converges after one pass)', () => {
    for (const c of all) {
      const once = c.expected.map((manifest) => injectManifest(manifest, c.config.injection, []).object);
      const twice = once.map((manifest) => injectManifest(manifest, c.config.injection, []).object);
      assert.deepEqual(twice, once, c.name);
      const inputWasInjected = c.input.some((manifest) => JSON.stringify(manifest).includes('sidecar.istio.io/status'));
      if (!inputWasInjected) assert.deepEqual(normalize(once), normalize(c.expected), c.name);
    }
  });
});
