import { resourceMatches } from '../cel/match.js';
import type { RuleMatch } from '../cel/model.js';
import type { Config } from '../config/types.js';
import { isExemptNamespace } from '../engine/scope.js';
import { kindOfResource } from './rule-routes.js';
import { scopeOf } from './scope.js';
import { validatingWebhookConfiguration } from './webhooks.js';

/**
 * What a custom rule can never see. The API server sends ztgate only what its validating webhooks list,
 * so a rule naming another kind, resource or operation never runs on it, and no error says so: the
 * requests are simply never reviewed. This reads the webhooks' own rules as the config renders them
 * (the config file's rules add what they need: rule-routes.ts), so it follows them as they change.
 */

export interface SentResource {
  group: string;
  resource: string;
  /** '' for the resource itself. */
  subResource: string;
  /** The kind, for the resource itself; subresources are never matched by kind. */
  kind?: string;
  operations: ReadonlySet<string>;
}

const sentFor = new WeakMap<Config, SentResource[]>();

/**
 * Every group, resource and operation some validating webhook sends when registered from this config
 * (the invariants' webhooks and those its custom rules add), from the rendered configuration itself.
 */
export function sentResources(config: Config): readonly SentResource[] {
  const cached = sentFor.get(config);
  if (cached) return cached;
  const configuration = validatingWebhookConfiguration({ namespace: config.ztgateNamespace, image: 'ztgate', scope: scopeOf(config) }) as unknown as {
    webhooks: { rules: { apiGroups: string[]; operations: string[]; resources: string[] }[] }[];
  };
  const byKey = new Map<string, SentResource & { operations: Set<string> }>();
  for (const webhook of configuration.webhooks) {
    for (const rule of webhook.rules) {
      for (const group of rule.apiGroups) {
        for (const path of rule.resources) {
          const [resource = '', subResource = ''] = path.split('/', 2);
          const key = `${group}\u0000${resource}\u0000${subResource}`;
          let entry = byKey.get(key);
          if (!entry) {
            const kind = subResource === '' ? kindOfResource(group, resource) : undefined;
            entry = { group, resource, subResource, ...(kind ? { kind } : {}), operations: new Set() };
            byKey.set(key, entry);
          }
          for (const operation of rule.operations) entry.operations.add(operation);
        }
      }
    }
  }
  const sent = [...byKey.values()];
  sentFor.set(config, sent);
  return sent;
}

export interface Unreached {
  /** The field of the rule's match, e.g. `kinds[1]` or `operations`. */
  field: string;
  /** What is never sent, e.g. `kind Ingress` or `DELETE of Pod`. */
  what: string;
}

const groupText = (groups: readonly string[]): string =>
  groups.includes('*') ? '' : ` in ${groups.length === 1 ? 'group' : 'groups'} ${groups.map((group) => (group === '' ? '""' : group)).join(', ')}`;

function inGroups(match: RuleMatch, entry: SentResource): boolean {
  return entry.group === '*' || match.apiGroups.includes('*') || match.apiGroups.includes(entry.group);
}

/** The operations the rule names that none of these sent resources carries. */
function missingOperations(match: RuleMatch, entries: readonly SentResource[]): string[] {
  if (match.operations.includes('*')) return [];
  return match.operations.filter((operation) => !entries.some((entry) => entry.operations.has(operation)));
}

/**
 * The parts of a rule's match that no request ztgate is sent can satisfy: named kinds and resources
 * the webhooks do not list (in the rule's groups), operations they never send for them, and namespaces
 * that are never sent (system namespaces and ztgate's own). Wildcards name nothing in particular and
 * are left alone: a rule with `kinds: ["*"]` runs on whatever is sent, as docs/rules.md says.
 */
export function unreachedParts(match: RuleMatch, config: Config): Unreached[] {
  const out: Unreached[] = [];
  const sent = sentResources(config);
  const entries = sent.filter((entry) => inGroups(match, entry));
  match.kinds.forEach((kind, index) => {
    if (kind === '*') return;
    const ofKind = entries.filter((entry) => entry.kind === kind);
    if (ofKind.length === 0) {
      // The groups matter only when the kind is sent in another one (core "" NetworkPolicy, say).
      const sentElsewhere = sent.some((entry) => entry.kind === kind);
      out.push({ field: `kinds[${index}]`, what: `kind ${kind}${sentElsewhere ? groupText(match.apiGroups) : ''}` });
      return;
    }
    for (const operation of missingOperations(match, ofKind)) out.push({ field: 'operations', what: `${operation} of ${kind}` });
  });
  match.resources.forEach((pattern, index) => {
    const resource = pattern.split('/', 1)[0]!;
    if (resource === '*') return;
    const ofResource = entries.filter((entry) => resourceMatches(pattern, entry.resource, entry.subResource));
    if (ofResource.length === 0) {
      const sentElsewhere = sent.some((entry) => entry.resource === resource);
      out.push({ field: `resources[${index}]`, what: `resource ${pattern}${sentElsewhere ? groupText(match.apiGroups) : ''}` });
      return;
    }
    for (const operation of missingOperations(match, ofResource)) out.push({ field: 'operations', what: `${operation} of ${pattern}` });
  });
  const exempt = match.namespaces.filter((name) => isExemptNamespace(name, config));
  if (exempt.length > 0) out.push({ field: 'namespaces', what: `namespace${exempt.length === 1 ? '' : 's'} ${exempt.join(', ')}` });
  return dedupe(out);
}

function dedupe(parts: Unreached[]): Unreached[] {
  const seen = new Set<string>();
  return parts.filter((part) => {
    const key = `${part.field}\u0000${part.what}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
