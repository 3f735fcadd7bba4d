/**
 * Registers ztgate with the API server the way an operator would: `ztgate manifests --config --url
 * --ca-file`, with the config ztgate serves with (so the webhooks send it what that config judges),
 * keeping only the two webhook configurations (the Deployment, Service and RBAC it also prints are for an
 * in-cluster install; here ztgate runs on loopback).
 */
import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../control-plane/cluster.js';
import { mustZtgateCli } from './cli.js';
import type { Json } from './objects.js';

export const WEBHOOK_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const;

export async function renderWebhookConfigurations(url: string, caFile: string, configFile: string): Promise<Json[]> {
  const { stdout } = await mustZtgateCli(['manifests', '--config', configFile, '--url', url, '--ca-file', caFile]);
  const objects = parseAllDocuments(stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`ztgate manifests printed invalid YAML: ${d.errors[0]?.message}`);
    return d.toJS() as Json | null;
  });
  const webhooks = objects.filter((o): o is Json => o !== null && (WEBHOOK_KINDS as readonly string[]).includes(String(o['kind'])));
  const kinds = webhooks.map((o) => String(o['kind'])).sort();
  if (kinds.join() !== [...WEBHOOK_KINDS].sort().join()) {
    throw new Error(`ztgate manifests should print one of each of ${WEBHOOK_KINDS.join(', ')}; got ${kinds.join(', ') || 'none'}`);
  }
  return webhooks;
}

export async function applyAsAdmin(cluster: Cluster, objects: Json[]): Promise<void> {
  const r = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  if (r.code !== 0) throw new Error(`kubectl apply failed (${r.code}): ${r.stderr}${r.stdout}`);
}

/** The webhooks of a rendered configuration, as objects (name, failurePolicy, clientConfig, ...). */
export function webhooksOf(configuration: Json): Json[] {
  return (configuration['webhooks'] as Json[] | undefined) ?? [];
}

function validatingWebhooksWith(registration: Json[], failurePolicy: string): string[] {
  return registration
    .filter((o) => o['kind'] === 'ValidatingWebhookConfiguration')
    .flatMap(webhooksOf)
    .filter((w) => w['failurePolicy'] === failurePolicy)
    .map((w) => String(w['name']));
}

/** Names of the registered validating webhooks that fail open (those for namespaces ztgate does not protect). */
export function failOpenValidatingWebhooks(registration: Json[]): string[] {
  return validatingWebhooksWith(registration, 'Ignore');
}

/** Names of the registered validating webhooks that fail closed. */
export function failClosedValidatingWebhooks(registration: Json[]): string[] {
  return validatingWebhooksWith(registration, 'Fail');
}
