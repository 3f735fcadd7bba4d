import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './types.js';

/** Plain JSON as read from the API server; nothing in it is trusted to have a shape. */
type Loose = Record<string, unknown>;

/**
 * How a registered webhook configuration differs from what `ztgate manifests --config` renders for the
 * config in force, in what decides where a request goes and what happens while ztgate is down: the
 * webhooks present, their failurePolicy, namespace and object selectors, rules, matchConditions and the
 * path they call. Editing the ConfigMap changes what ztgate judges at once but none of these, so a
 * namespace newly protected still fails open while ztgate is down until the registration follows.
 * Where the webhooks call (a Service or a URL), caBundle and timeouts are the operator's to choose.
 */
export function registrationDrift(rendered: KubeObject, stored: Loose | undefined): string[] {
  const what = `${rendered.kind} ${rendered.metadata.name}`;
  if (!stored) return [`${what} is not registered`];
  const expected = webhooksOf(rendered);
  const registered = new Map(webhooksOf(stored).map((webhook) => [String(webhook['name']), webhook]));
  const differences: string[] = [];
  for (const webhook of expected) {
    const name = String(webhook['name']);
    const found = registered.get(name);
    if (!found) differences.push(`${name} is missing from ${what}`);
    else differences.push(...webhookDrift(name, webhook, found));
    registered.delete(name);
  }
  for (const name of registered.keys()) differences.push(`${name} is registered in ${what} but the config renders no such webhook`);
  return differences;
}

function webhooksOf(configuration: Loose): Loose[] {
  const webhooks = configuration['webhooks'];
  return Array.isArray(webhooks) ? webhooks.filter((webhook): webhook is Loose => isObject(webhook)) : [];
}

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function webhookDrift(name: string, expected: Loose, found: Loose): string[] {
  const differences: string[] = [];
  // The API server defaults failurePolicy to Fail.
  const policy = (webhook: Loose): unknown => webhook['failurePolicy'] ?? 'Fail';
  if (policy(found) !== policy(expected)) differences.push(`${name} has failurePolicy ${String(policy(found))}, the config renders ${String(policy(expected))}`);
  const foundPath = pathOf(found);
  const expectedPath = pathOf(expected);
  if (foundPath !== expectedPath) differences.push(`${name} calls ${foundPath ?? 'no path'}, the config renders ${expectedPath ?? 'no path'}`);
  const changed = COMPARED.filter(([, normalise]) => !isDeepStrictEqual(normalise(found), normalise(expected))).map(([field]) => field);
  if (changed.length > 0) differences.push(`${name} has other ${changed.join(', ')} than the config renders`);
  return differences;
}

/** The path of a Service reference, or of a URL (the e2e and out-of-cluster setups). */
function pathOf(webhook: Loose): string | undefined {
  const clientConfig = isObject(webhook['clientConfig']) ? webhook['clientConfig'] : {};
  const service = clientConfig['service'];
  if (isObject(service)) return typeof service['path'] === 'string' ? service['path'] : '/';
  if (typeof clientConfig['url'] !== 'string') return undefined;
  try {
    return new URL(clientConfig['url']).pathname;
  } catch {
    return undefined;
  }
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Selectors as their meaning: an absent or empty matchLabels or matchExpressions selects the same. */
function selector(value: unknown): Loose {
  const object = isObject(value) ? value : {};
  const matchLabels = isObject(object['matchLabels']) ? object['matchLabels'] : {};
  const matchExpressions = Array.isArray(object['matchExpressions']) ? object['matchExpressions'] : [];
  return { matchLabels, matchExpressions };
}

const COMPARED: [string, (webhook: Loose) => unknown][] = [
  ['namespaceSelector', (webhook) => selector(webhook['namespaceSelector'])],
  ['objectSelector', (webhook) => selector(webhook['objectSelector'])],
  ['rules', (webhook) => listOf(webhook['rules'])],
  ['matchConditions', (webhook) => listOf(webhook['matchConditions'])],
];
