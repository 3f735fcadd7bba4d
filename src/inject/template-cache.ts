import { LruCachePerOwner } from '../util/lru.js';
import { asArray, asObject, asString, stringEntry, stringMap, type JsonObject } from '../util/json.js';
import { PROXY } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { goShape } from './goshape.js';
import { renderTemplate, TEMPLATE_LABELS, type TemplateInput } from './template.js';
import { deepFreeze } from '../util/freeze.js';

/**
 * Rendered templates, kept per config and per what the template reads from the Pod: its annotations,
 * the labels in TEMPLATE_LABELS, its containers' names and ports, its workload. Pods of one workload render the same
 * sidecar, so most reviews reuse one. Entries are never handed out, only copies of them.
 */

export interface TemplateEntry {
  /** The template as renderTemplate makes it, to merge onto a Pod that already has injected parts. */
  readonly patch: JsonObject;
  /** The same with its containers already in Go's shape, for a Pod that has none of them yet. */
  readonly shapedPatch: JsonObject;
}

const ENTRIES = 128;
const caches = new LruCachePerOwner<InjectionConfig, string, TemplateEntry>(ENTRIES);

/** Everything renderTemplate reads from the Pod; the proxy config is parsed from the annotations. */
function keyOf(input: TemplateInput): string {
  const metadata = asObject(input.pod['metadata']) ?? {};
  const containers = asArray(asObject(input.pod['spec'])?.['containers']).map((item) => {
    const container = asObject(item);
    return [asString(container?.['name']) ?? '', container?.['name'] === PROXY ? null : asArray(container?.['ports'])];
  });
  // Only the labels the template reads: each rollout's ReplicaSet adds its own pod-template-hash, and
  // keying on every label made the first Pod of each rollout render the sidecar again.
  const read = TEMPLATE_LABELS.map((name) => stringEntry(metadata['labels'], name) ?? null);
  return JSON.stringify([stringMap(metadata['annotations']), read, containers, input.workload]);
}

function entryOf(input: TemplateInput): TemplateEntry {
  const { patch } = renderTemplate(input);
  const shapedPatch = structuredClone(patch);
  const spec = asObject(shapedPatch['spec']) ?? {};
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (Array.isArray(containers)) spec[list] = containers.map((c) => goShape(c as JsonObject, 'Container'));
  }
  // Shared entries must stay as rendered: a stray write throws rather than changing the next Pod.
  return { patch: deepFreeze(patch), shapedPatch: deepFreeze(shapedPatch) };
}

/** The rendered template for `input`; a config that can still change is never cached. */
export function templateFor(input: TemplateInput, useCache: boolean): TemplateEntry {
  const cache = useCache ? caches.of(input.config) : undefined;
  return cache ? cache.getOrCompute(keyOf(input), () => entryOf(input)) : entryOf(input);
}
