import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { cloneJson } from '../../src/inject/clone.js';
import type { InjectionConfig } from '../../src/inject/config.js';
import { injectOwnedPod } from '../../src/inject/inject.js';
import { workloadOfPod, type Workload } from '../../src/inject/owner.js';
import { asObject, asString, type JsonObject } from '../../src/util/json.js';
import { POD_TEMPLATE_PATHS } from '../../src/util/pod-templates.js';
import { arbitraryPod, fixtureConfig, podObject, yamlDocuments } from './helpers.js';

/**
 * The shortcuts of a first injection (a cached template, merged in place, already in Go's shape) must
 * give, byte for byte, what the general path gives: the same Pod with the same key order, or the same
 * refusal, for the golden fixtures, for generated Pods and for a second pass over either output.
 */

const DIR = fileURLToPath(new URL('./testdata/', import.meta.url));

/** The result as text, key order included; a refusal as its message. */
function outcome(pod: JsonObject, workload: Workload, config: InjectionConfig, shortcuts: boolean): string {
  try {
    return JSON.stringify(injectOwnedPod({ pod: cloneJson(pod), namespace: workload.namespace || 'shop', workload, config }, { shortcuts }));
  } catch (error) {
    return `refused: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Both ways, then both ways again over the result, as a webhook reinvocation would. */
function assertSame(pod: JsonObject, workload: Workload, config: InjectionConfig, label: string): void {
  const fast = outcome(pod, workload, config, true);
  assert.equal(fast, outcome(pod, workload, config, false), label);
  if (fast.startsWith('refused: ')) return;
  const again = JSON.parse(fast) as JsonObject;
  assert.equal(outcome(again, workload, config, true), outcome(again, workload, config, false), `${label}, second pass`);
}

/** The Pods of a manifest: a Pod itself, or a controller's Pod template, with the workload it implies. */
function podsOf(object: JsonObject): { pod: JsonObject; workload: Workload }[] {
  const kind = asString(object['kind']) ?? '';
  const namespace = asString(asObject(object['metadata'])?.['namespace']) ?? '';
  if (kind === 'Pod') return [{ pod: object, workload: workloadOfPod(object, namespace) }];
  if (kind === 'List') return (object['items'] as JsonObject[]).flatMap(podsOf);
  const path = POD_TEMPLATE_PATHS[kind];
  if (!path) return [];
  let template: JsonObject | undefined = object;
  for (const key of path) template = asObject(template?.[key]);
  if (!template) return [];
  const workload = { name: asString(asObject(object['metadata'])?.['name']) ?? '', namespace, kind, apiVersion: asString(object['apiVersion']) ?? '' };
  return [{ pod: { metadata: template['metadata'] ?? {}, spec: template['spec'] ?? {} }, workload }];
}

const CONFIGS: Record<string, InjectionConfig> = {
  default: fixtureConfig().injection,
  classic: fixtureConfig({ nativeSidecars: false }).injection,
  'cluster and network': fixtureConfig({ clusterID: 'east', network: 'net-1' }).injection,
  'hold and no prometheus merge': fixtureConfig({ holdApplicationUntilProxyStarts: true, prometheusMerge: false }).injection,
};

describe('shortcuts give the general path’s Pod', () => {
  const fixtures = readdirSync(DIR).filter((file) => file.endsWith('.yaml'));

  test('for every Pod of the golden fixtures, under every config', () => {
    let pods = 0;
    for (const file of fixtures) {
      for (const document of yamlDocuments(readFileSync(`${DIR}${file}`, 'utf8'))) {
        for (const { pod, workload } of podsOf(document)) {
          pods++;
          for (const [name, config] of Object.entries(CONFIGS)) assertSame(pod, workload, config, `${file} (${name})`);
        }
      }
    }
    assert.ok(pods >= 15, `only ${pods} Pods in the fixtures`);
  });

  test('for generated Pods, including user overrides and injected names', () => {
    fc.assert(
      fc.property(arbitraryPod, fc.constantFrom(...Object.keys(CONFIGS)), (p, configName) => {
        const pod = podObject(p);
        assertSame(pod, workloadOfPod(pod, 'shop'), CONFIGS[configName]!, configName);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  test('a template reused from the cache is not changed by the Pods it went into', () => {
    const config = CONFIGS['default']!;
    const pod = podObject({ annotations: {}, serviceAccountName: 'web', containers: [{ name: 'app', image: 'app:1' }], initContainers: [] } as never);
    const workload = workloadOfPod(pod, 'shop');
    const first = outcome(pod, workload, config, true);
    const injected = injectOwnedPod({ pod: cloneJson(pod), namespace: 'shop', workload, config });
    (injected['spec'] as JsonObject)['initContainers'] = [];
    assert.equal(outcome(pod, workload, config, true), first);
  });

  test('Pods that render differently never share a cached template', () => {
    const config = CONFIGS['default']!;
    const labelled = (app: string) =>
      podObject({ annotations: {}, serviceAccountName: 'web', containers: [{ name: app, image: 'app:1' }], initContainers: [] } as never);
    const web = outcome(labelled('web'), workloadOfPod(labelled('web'), 'shop'), config, true);
    const api = outcome(labelled('api'), workloadOfPod(labelled('api'), 'shop'), config, true);
    assert.notEqual(web, api);
    assert.match(api, /"ISTIO_META_APP_CONTAINERS","value":"api"/);
  });
});
