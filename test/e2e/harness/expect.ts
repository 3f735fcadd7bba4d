/** Assertions on kubectl's real output, with the command's streams in every failure message. */
import assert from 'node:assert/strict';
import { NAMES } from '../../../src/manifests/names.js';
import type { KubectlResult } from '../control-plane/cluster.js';
import { denialOf, type E2E, type KubectlCall } from './env.js';
import type { Json } from './objects.js';

/** Workloads and mesh policy in protected namespaces; fails closed. */
export const VALIDATING = NAMES.validatingWebhook;
/** Calico policy and tiers in every namespace ztgate evaluates; fails closed. */
export const CALICO = NAMES.calicoWebhook;
/** Namespace label changes (ZT-NS-001) in every namespace ztgate evaluates; fails closed. */
export const NAMESPACES = NAMES.namespaceWebhook;
/** Namespace creation (ZT-NS-001) in every namespace ztgate evaluates; fails open. */
export const NEW_NAMESPACES = NAMES.newNamespaceWebhook;
/** Fail-closed, every evaluated namespace: Service writes that add spec.externalIPs (ZT-NET-008). */
export const EXTERNAL_IPS = NAMES.externalIPsWebhook;
/** Fail-closed, every evaluated namespace: VirtualService and ServiceEntry writes that may route other namespaces' traffic (ZT-NET-010, ZT-NET-011). */
export const MESH_ROUTING = NAMES.meshRoutingWebhook;
/** Fail-closed, the Istio root namespace alone: its PeerAuthentications, AuthorizationPolicies, DestinationRules, EnvoyFilters and WasmPlugins. */
export const MESH_ROOT = NAMES.meshRootWebhook;
export const MUTATING = NAMES.mutatingWebhook;
/** What the config file's custom rules that fail open match beyond the webhooks above. */
export const RULES_IGNORE = NAMES.rulesWebhook.Ignore;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** kubectl's line for a webhook denial, up to the message ztgate wrote. */
export function deniedBy(webhook: string): string {
  return `admission webhook "${webhook}" denied the request: `;
}

export function assertAdmitted(r: KubectlResult, what: string): void {
  assert.equal(r.code, 0, `${what} should be admitted; ${denialOf(r)}`);
}

/** Denied by one of ztgate's validating webhooks, with every fragment (an id, a path, ...) in kubectl's output. */
export function assertDenied(r: KubectlResult, what: string, fragments: string[], webhook: string = VALIDATING): void {
  assert.notEqual(r.code, 0, `${what} should be denied; ${denialOf(r)}`);
  assert.ok(r.stderr.includes(deniedBy(webhook)), `${what}: expected kubectl to print ${JSON.stringify(deniedBy(webhook))}; ${denialOf(r)}`);
  for (const f of fragments) assert.ok(r.stderr.includes(f), `${what}: expected ${JSON.stringify(f)} in kubectl's output; ${denialOf(r)}`);
}

/** The webhook's message: kubectl's stderr from the denial onwards (the part before names the command). */
export function denialMessage(r: KubectlResult): string {
  const i = r.stderr.search(/admission webhook "[^"]+" denied the request: /);
  return i < 0 ? r.stderr.trim() : r.stderr.slice(i).trim();
}

export function warningLines(r: KubectlResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
}

/** `kubectl get -o json` of one object, or undefined when the server says NotFound. */
export async function getObject(env: E2E, args: string[], call: KubectlCall = {}): Promise<Json | undefined> {
  const r = await env.kubectl(['get', ...args, '-o', 'json'], call);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${denialOf(r)}`);
  }
  return JSON.parse(r.stdout) as Json;
}

export function parseJson(r: KubectlResult, what: string): Json {
  try {
    return JSON.parse(r.stdout) as Json;
  } catch {
    throw new Error(`${what}: kubectl did not print JSON; ${denialOf(r)}`);
  }
}
