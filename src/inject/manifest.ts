import { asArray, asObject, asString, isJsonObject, stringMap, type JsonObject } from '../util/json.js';
import type { InjectionConfig } from './config.js';
import { decideInjection } from './decision.js';
import { injectPod } from './inject.js';
import { workloadOfPod, type Workload } from './owner.js';
import { POD_TEMPLATE_PATHS } from '../util/pod-templates.js';

/**
 * Injection into manifests, as `istioctl kube-inject` does it: Pods and the Pod templates of every Pod
 * controller, whatever the namespace labels say (the manifest's namespace is not known to exist yet),
 * but honouring the Pod's own opt-out and hostNetwork. Unlike istioctl, a CronJob's sidecar metadata
 * goes on its Pod template (spec.jobTemplate.spec.template), where the Pods get it from, not on the
 * Job template's metadata.
 */


export interface ManifestOutcome {
  /** The manifest after injection (the input itself when nothing changed). */
  object: JsonObject;
  /** One line per Pod (template) left alone, with the reason. */
  skipped: string[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

function describe(object: JsonObject): string {
  const name = asString(asObject(object['metadata'])?.['name']) ?? '(unnamed)';
  return `${asString(object['kind']) ?? 'object'} ${JSON.stringify(name)}`;
}

function injectOne(
  pod: JsonObject,
  namespace: string,
  workload: Workload,
  config: InjectionConfig,
  systemNamespaces: readonly string[],
): { pod: JsonObject; skipped?: string } {
  const metadata = asObject(pod['metadata']);
  const decision = decideInjection(
    {
      mode: 'manifest',
      namespace,
      namespaceLabels: {},
      podLabels: stringMap(metadata?.['labels']),
      podAnnotations: stringMap(metadata?.['annotations']),
      hostNetwork: asObject(pod['spec'])?.['hostNetwork'] === true,
      systemNamespaces,
    },
    config,
  );
  if (!decision.inject) return { pod, skipped: decision.reason };
  return { pod: injectPod({ pod, namespace, workload, config }) };
}

/** Injects one manifest; throws AnnotationError for invalid annotations, ManifestError for a broken object. */
export function injectManifest(object: JsonObject, config: InjectionConfig, systemNamespaces: readonly string[]): ManifestOutcome {
  const kind = asString(object['kind']) ?? '';
  const metadata = asObject(object['metadata']);
  const objectNamespace = asString(metadata?.['namespace']) ?? '';
  if (kind === 'List') {
    const skipped: string[] = [];
    const items = asArray(object['items']).map((item) => {
      if (!isJsonObject(item)) return item;
      const outcome = injectManifest(item, config, systemNamespaces);
      skipped.push(...outcome.skipped);
      return outcome.object;
    });
    return { object: { ...object, items }, skipped };
  }
  if (kind === 'Pod') {
    const namespace = objectNamespace || 'default';
    const { pod, skipped } = injectOne(object, namespace, workloadOfPod(object, objectNamespace), config, systemNamespaces);
    return { object: pod, skipped: skipped ? [`${describe(object)}: ${skipped}`] : [] };
  }
  const path = POD_TEMPLATE_PATHS[kind];
  if (!path) return { object, skipped: [] };
  const out = structuredClone(object);
  let parent: JsonObject = out;
  for (const key of path.slice(0, -1)) {
    const next = asObject(parent[key]);
    if (!next) throw new ManifestError(`${describe(object)} has no ${path.join('.')}`);
    parent = next;
  }
  const template = asObject(parent[path.at(-1)!]);
  if (!template) throw new ManifestError(`${describe(object)} has no ${path.join('.')}`);
  const templateNamespace = asString(asObject(template['metadata'])?.['namespace']) ?? '';
  const namespace = templateNamespace || objectNamespace || 'default';
  const workload: Workload = {
    name: asString(metadata?.['name']) ?? '',
    namespace: objectNamespace,
    kind,
    apiVersion: asString(object['apiVersion']) ?? '',
  };
  const view: JsonObject = { metadata: asObject(template['metadata']) ?? {}, spec: asObject(template['spec']) ?? {} };
  const { pod, skipped } = injectOne(view, namespace, workload, config, systemNamespaces);
  if (skipped) return { object, skipped: [`${describe(object)}: ${skipped}`] };
  template['metadata'] = pod['metadata']!;
  template['spec'] = pod['spec']!;
  return { object: out, skipped: [] };
}
